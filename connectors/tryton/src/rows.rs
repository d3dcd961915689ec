//! Shapes shared by the typed reads.

use serde::Deserialize;

/// A related record read through a dotted field: asking for `party.name`
/// returns the key `"party."` holding `{"id": 2, "name": "ACME Corp"}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Related {
    pub id: Option<u64>,
    pub name: Option<String>,
    pub code: Option<String>,
    pub rec_name: Option<String>,
}

/// `"party."` is `null` when the relation is empty.
pub fn related<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Related, D::Error> {
    Ok(Option::<Related>::deserialize(d)?.unwrap_or_default())
}

/// A Boolean field. On SQLite, trytond returns some Booleans as the stored
/// integers (`1`, `0`) rather than `true` / `false`; `null` is false.
pub fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
        Null(()),
    }
    Ok(match Option::<Flag>::deserialize(d)? {
        Some(Flag::Bool(b)) => b,
        Some(Flag::Int(i)) => i != 0,
        Some(Flag::Null(())) | None => false,
    })
}
