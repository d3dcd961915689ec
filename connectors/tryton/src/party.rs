//! Customers: `party.party` with an address, contact mechanisms and our
//! external id.
//!
//! Where our external id lives: every identifier type Tryton offers is a
//! national tax or company number checked by `python-stdnum`, so none can
//! hold a CRM id. We use an identifier **without a type** (Tryton's blank
//! type) whose code is `ledgerbridge:<external id>`: the prefix says whose
//! identifier it is in Tryton's party form, and keeps identifiers an
//! accountant typed by hand from ever matching ours. To adopt an existing
//! party, add such an identifier to it.

use ledgerbridge_sdk::ConnectorError;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::{HasId, TrytonClient};
use crate::error::{TrytonError, TrytonResult};
use crate::wire::WireDateTime;

/// Tryton's words when two parties got the same sequence code.
const CODE_CLASH: &str = "The code on party must be unique";

/// The prefix of our party identifiers' codes.
pub const IDENTIFIER_PREFIX: &str = "ledgerbridge:";

/// Tryton's code for a party identifier holding `external_id`.
pub fn identifier_code(external_id: &str) -> String {
    format!("{IDENTIFIER_PREFIX}{external_id}")
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewAddress {
    pub name: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewParty {
    pub name: String,
    pub external_id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Invoices need an address; a party without one gets an empty address.
    pub address: NewAddress,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PartyRow {
    pub id: u64,
    pub name: Option<String>,
    pub code: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(deserialize_with = "crate::rows::flag")]
    pub active: bool,
    #[serde(default)]
    pub addresses: Vec<u64>,
    #[serde(default)]
    pub identifiers: Vec<u64>,
    /// The party's own receivable account, if set (else the company default).
    pub account_receivable: Option<u64>,
    pub write_date: Option<WireDateTime>,
    pub create_date: Option<WireDateTime>,
}

impl HasId for PartyRow {
    fn id(&self) -> u64 {
        self.id
    }
}

/// A party with our external id, if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    pub row: PartyRow,
    pub external_id: Option<String>,
}

pub const PARTY_FIELDS: [&str; 10] = [
    "name",
    "code",
    "email",
    "phone",
    "active",
    "addresses",
    "identifiers",
    "account_receivable",
    "write_date",
    "create_date",
];

#[derive(Debug, Deserialize)]
struct IdentifierRow {
    party: u64,
    code: String,
}

#[derive(Debug, Deserialize)]
struct ContactRow {
    party: u64,
}

fn party_values(p: &NewParty) -> TrytonResult<Value> {
    if p.name.trim().is_empty() || p.external_id.trim().is_empty() {
        return Err(TrytonError::Transport(ConnectorError::validation(format!(
            "a Tryton party needs a name and an external id (got {:?}, {:?})",
            p.name, p.external_id
        ))));
    }
    let mut contacts = Vec::new();
    if let Some(e) = p.email.as_deref().filter(|e| !e.is_empty()) {
        contacts.push(json!({"type": "email", "value": e}));
    }
    if let Some(ph) = p.phone.as_deref().filter(|ph| !ph.is_empty()) {
        contacts.push(json!({"type": "phone", "value": ph}));
    }
    let a = &p.address;
    Ok(json!({
        "name": p.name,
        "addresses": [["create", [{
            "party_name": a.name, "street": a.street, "postal_code": a.postal_code, "city": a.city,
        }]]],
        "contact_mechanisms": [["create", contacts]],
        "identifiers": [["create", [{"type": null, "code": identifier_code(&p.external_id)}]]],
    }))
}

impl TrytonClient {
    /// Creates the parties in one call (one transaction: all or none).
    ///
    /// Party codes come from a sequence that concurrent transactions can
    /// read alike on SQLite; the second commit then fails Tryton's unique
    /// code constraint. Nothing of that call was written, so it is sent
    /// again (a few times) and takes the next code.
    pub async fn create_parties(&self, parties: &[NewParty]) -> TrytonResult<Vec<u64>> {
        let values: Vec<Value> = parties
            .iter()
            .map(party_values)
            .collect::<TrytonResult<_>>()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.create("party.party", values.clone()).await {
                Err(TrytonError::User { message, .. })
                    if attempt < 4 && message.contains(CODE_CLASH) =>
                {
                    tracing::debug!("Tryton party code taken concurrently; creating again");
                }
                other => return other,
            }
        }
    }

    /// Renames a party and adds contact mechanisms it lacks (Tryton keeps a
    /// history of contact mechanisms; ours are added, never deleted).
    pub async fn update_party(
        &self,
        id: u64,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> TrytonResult<()> {
        let current = self.read_parties(&[id]).await?;
        let Some(row) = current.first() else {
            return Err(TrytonError::Transport(ConnectorError::new(
                ledgerbridge_sdk::ErrorKind::NotFound,
                format!("Tryton party {id} does not exist"),
            )));
        };
        let mut contacts = Vec::new();
        if let Some(e) = email.filter(|e| !e.is_empty() && row.row.email.as_deref() != Some(*e)) {
            contacts.push(json!({"type": "email", "value": e}));
        }
        if let Some(ph) = phone.filter(|p| !p.is_empty() && row.row.phone.as_deref() != Some(*p)) {
            contacts.push(json!({"type": "phone", "value": ph}));
        }
        let mut vals = json!({"name": name});
        if !contacts.is_empty() {
            vals["contact_mechanisms"] = json!([["create", contacts]]);
        }
        self.model("party.party", "write", vec![json!([id]), vals])
            .await
            .map(|_| ())
    }

    /// Parties by id, with our external id, in the order of `ids`.
    pub async fn read_parties(&self, ids: &[u64]) -> TrytonResult<Vec<Party>> {
        let rows: Vec<PartyRow> = self.read("party.party", ids, &PARTY_FIELDS).await?;
        let idents: Vec<IdentifierRow> = self
            .search_read(
                "party.identifier",
                json!([
                    ["party", "in", ids],
                    ["type", "=", null],
                    ["code", "like", format!("{IDENTIFIER_PREFIX}%")]
                ]),
                0,
                None,
                json!([["id", "ASC"]]),
                &["party", "code"],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let external_id = idents
                    .iter()
                    .find(|i| i.party == row.id)
                    .and_then(|i| i.code.strip_prefix(IDENTIFIER_PREFIX))
                    .map(str::to_string);
                Party { row, external_id }
            })
            .collect())
    }

    /// Parties carrying any of these external ids (our typeless identifier).
    pub async fn find_parties_by_external_id(
        &self,
        external_ids: &[String],
    ) -> TrytonResult<Vec<Party>> {
        let codes: Vec<String> = external_ids.iter().map(|e| identifier_code(e)).collect();
        let rows: Vec<IdentifierRow> = self
            .search_read(
                "party.identifier",
                json!([["type", "=", null], ["code", "in", codes]]),
                0,
                None,
                json!([["id", "ASC"]]),
                &["party", "code"],
            )
            .await?;
        self.read_parties(&unique(rows.iter().map(|r| r.party)))
            .await
    }

    /// Parties by their Tryton code.
    pub async fn find_parties_by_code(&self, codes: &[String]) -> TrytonResult<Vec<Party>> {
        let ids: Vec<u64> = self
            .model_as(
                "party.party",
                "search",
                vec![
                    json!([["code", "in", codes]]),
                    json!(0),
                    Value::Null,
                    Value::Null,
                ],
            )
            .await?;
        self.read_parties(&ids).await
    }

    /// Parties with exactly one of these names.
    pub async fn find_parties_by_name(&self, names: &[String]) -> TrytonResult<Vec<Party>> {
        let ids: Vec<u64> = self
            .model_as(
                "party.party",
                "search",
                vec![
                    json!([["name", "in", names]]),
                    json!(0),
                    Value::Null,
                    Value::Null,
                ],
            )
            .await?;
        self.read_parties(&ids).await
    }

    /// Parties with any of these e-mail addresses among their contact
    /// mechanisms (exact match, or the address in lower case).
    pub async fn find_parties_by_email(&self, emails: &[String]) -> TrytonResult<Vec<Party>> {
        let mut values: Vec<String> = emails.to_vec();
        values.extend(emails.iter().map(|e| e.to_lowercase()));
        let rows: Vec<ContactRow> = self
            .search_read(
                "party.contact_mechanism",
                json!([["type", "=", "email"], ["value", "in", values]]),
                0,
                None,
                json!([["id", "ASC"]]),
                &["party"],
            )
            .await?;
        self.read_parties(&unique(rows.iter().map(|r| r.party)))
            .await
    }

    /// Parties changed at or after `since` (server time), oldest first.
    pub async fn parties_changed(
        &self,
        since: Option<WireDateTime>,
        offset: usize,
        limit: usize,
    ) -> TrytonResult<Vec<Party>> {
        let domain = match since {
            Some(t) => json!([["write_date", ">=", t]]),
            None => json!([]),
        };
        let ids: Vec<u64> = self
            .model_as(
                "party.party",
                "search",
                vec![
                    domain,
                    json!(offset),
                    json!(limit),
                    json!([["write_date", "ASC"], ["id", "ASC"]]),
                ],
            )
            .await?;
        self.read_parties(&ids).await
    }
}

fn unique(ids: impl Iterator<Item = u64>) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}
