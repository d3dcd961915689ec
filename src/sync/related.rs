//! The records a mapping looks at besides its own: a deal's company and primary
//! contact, a company's contacts, an interaction's company and contact. Loaded for a
//! whole chunk in one query, not one per record.

use super::mirror;
use crate::store::Exec;
use ledgerbridge_mapping::{Related, SourceRecord};
use ledgerbridge_sdk::model::{Company, Contact, CrmRecord};
use std::collections::HashMap;

/// Related records of a chunk, by key.
#[derive(Default)]
pub struct RelatedSet {
    companies: HashMap<String, Company>,
    contacts: HashMap<String, Contact>,
}

impl RelatedSet {
    /// Loads everything the records of `chunk` refer to.
    pub async fn load(
        exec: Exec<'_>,
        connection: &str,
        chunk: &[CrmRecord],
    ) -> Result<RelatedSet, sqlx::Error> {
        let mut keys: Vec<String> = Vec::new();
        for r in chunk {
            match r {
                CrmRecord::Deal(d) => {
                    keys.extend(d.company_id.iter().map(|id| format!("company:{id}")));
                    keys.extend(d.contact_ids.first().map(|id| format!("contact:{id}")));
                }
                CrmRecord::Company(c) => {
                    keys.extend(c.contact_ids.iter().map(|id| format!("contact:{id}")))
                }
                CrmRecord::Contact(c) => {
                    keys.extend(c.company_id.iter().map(|id| format!("company:{id}")))
                }
                CrmRecord::Interaction(i) => {
                    keys.extend(i.company_ids.first().map(|id| format!("company:{id}")));
                    keys.extend(i.contact_ids.first().map(|id| format!("contact:{id}")));
                }
            }
        }
        keys.sort();
        keys.dedup();
        let mut set = RelatedSet::default();
        if keys.is_empty() {
            return Ok(set);
        }
        for row in mirror::load(exec, connection, &keys).await? {
            if row.deleted {
                continue;
            }
            match row.record() {
                Ok(CrmRecord::Company(c)) => {
                    set.companies.insert(c.meta.id.clone(), c);
                }
                Ok(CrmRecord::Contact(c)) => {
                    set.contacts.insert(c.meta.id.clone(), c);
                }
                _ => {}
            }
        }
        Ok(set)
    }

    /// The related records of one record, plus a contacts buffer it borrows from.
    pub fn contacts_of(&self, r: &CrmRecord) -> Vec<Contact> {
        match r {
            CrmRecord::Company(c) => c
                .contact_ids
                .iter()
                .filter_map(|id| self.contacts.get(id).cloned())
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn related<'a>(&'a self, r: &'a CrmRecord, contacts: &'a [Contact]) -> Related<'a> {
        let company = |id: Option<&String>| id.and_then(|id| self.companies.get(id));
        let contact = |id: Option<&String>| id.and_then(|id| self.contacts.get(id));
        match r {
            CrmRecord::Deal(d) => Related {
                company: company(d.company_id.as_ref()),
                contact: contact(d.contact_ids.first()),
                contacts,
                interactions: &[],
            },
            CrmRecord::Company(_) => Related {
                company: None,
                contact: None,
                contacts,
                interactions: &[],
            },
            CrmRecord::Contact(c) => Related {
                company: company(c.company_id.as_ref()),
                contact: None,
                contacts,
                interactions: &[],
            },
            CrmRecord::Interaction(i) => Related {
                company: company(i.company_ids.first()),
                contact: contact(i.contact_ids.first()),
                contacts,
                interactions: &[],
            },
        }
    }
}

/// The mapping crate's view of a record.
pub fn source_record(r: &CrmRecord) -> SourceRecord<'_> {
    match r {
        CrmRecord::Deal(d) => SourceRecord::Deal(d),
        CrmRecord::Company(c) => SourceRecord::Company(c),
        CrmRecord::Contact(c) => SourceRecord::Contact(c),
        CrmRecord::Interaction(i) => SourceRecord::Interaction(i),
    }
}
