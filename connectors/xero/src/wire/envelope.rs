use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

/// `pagination` on paged list responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    pub page: u64,
    pub page_size: u64,
    pub page_count: u64,
    pub item_count: u64,
}

/// The response envelope: `{"Id", "Status": "OK", "ProviderName", "DateTimeUTC",
/// "pagination"?, "<Collection>": [...]}`. Written by hand rather than with
/// `#[serde(flatten)]` so the collection name can be any of Xero's plurals.
pub struct Envelope<'a, T: Serialize> {
    pub id: String,
    pub provider_name: &'a str,
    pub date_time_utc: String,
    pub pagination: Option<Pagination>,
    pub collection: &'a str,
    pub items: &'a [T],
}

impl<T: Serialize> Serialize for Envelope<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Id", &self.id)?;
        m.serialize_entry("Status", "OK")?;
        m.serialize_entry("ProviderName", self.provider_name)?;
        m.serialize_entry("DateTimeUTC", &self.date_time_utc)?;
        if let Some(p) = &self.pagination {
            m.serialize_entry("pagination", p)?;
        }
        m.serialize_entry(self.collection, self.items)?;
        m.end()
    }
}
