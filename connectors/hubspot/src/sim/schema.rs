//! Object types, their property definitions and association type ids: the
//! parts of a HubSpot account's schema the simulator needs.

use std::collections::HashMap;

pub use super::object_type::ObjectType;

/// A property's data type, deciding how search compares its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropType {
    String,
    Number,
    Date,
    DateTime,
    Enumeration,
    Bool,
}

impl PropType {
    pub fn wire(self) -> &'static str {
        match self {
            PropType::String => "string",
            PropType::Number => "number",
            PropType::Date => "date",
            PropType::DateTime => "datetime",
            PropType::Enumeration => "enumeration",
            PropType::Bool => "bool",
        }
    }

    pub fn parse(s: &str) -> Option<PropType> {
        Some(match s {
            "string" => PropType::String,
            "number" => PropType::Number,
            "date" => PropType::Date,
            "datetime" => PropType::DateTime,
            "enumeration" => PropType::Enumeration,
            "bool" => PropType::Bool,
            _ => return None,
        })
    }
}

/// Properties whose value the record itself holds (never stored as strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Computed {
    ObjectId,
    CreateDate,
    LastModified,
}

#[derive(Debug, Clone)]
pub struct PropDef {
    pub name: String,
    pub label: String,
    pub ty: PropType,
    pub field_type: String,
    pub group: String,
    pub options: Vec<String>,
    pub unique: bool,
    pub read_only: bool,
    pub computed: Option<Computed>,
    /// Defined by a user or an app rather than HubSpot.
    pub custom: bool,
}

impl PropDef {
    fn builtin(name: &str, ty: PropType) -> PropDef {
        let field_type = match ty {
            PropType::String => "text",
            PropType::Number => "number",
            PropType::Date | PropType::DateTime => "date",
            PropType::Enumeration => "select",
            PropType::Bool => "booleancheckbox",
        };
        PropDef {
            name: name.to_string(),
            label: label_of(name),
            ty,
            field_type: field_type.to_string(),
            group: "default".to_string(),
            options: Vec::new(),
            unique: false,
            read_only: false,
            computed: None,
            custom: false,
        }
    }
}

fn label_of(name: &str) -> String {
    name.trim_start_matches("hs_")
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One object type's property definitions, indexed by name. Stored values
/// refer to a property by its position here (a `u16`), which keeps records small.
#[derive(Debug, Clone)]
pub struct Schema {
    pub defs: Vec<PropDef>,
    by_name: HashMap<String, u16>,
}

impl Schema {
    fn new() -> Schema {
        Schema {
            defs: Vec::new(),
            by_name: HashMap::new(),
        }
    }

    pub fn add(&mut self, def: PropDef) -> u16 {
        if let Some(&id) = self.by_name.get(&def.name) {
            return id;
        }
        let id = self.defs.len() as u16;
        self.by_name.insert(def.name.clone(), id);
        self.defs.push(def);
        id
    }

    pub fn id(&self, name: &str) -> Option<u16> {
        self.by_name.get(name).copied()
    }

    /// Id of a property the simulator itself defined; a typo here is a bug.
    pub fn must(&self, name: &str) -> u16 {
        self.id(name)
            .unwrap_or_else(|| panic!("simulator schema has no property {name}"))
    }

    pub fn def(&self, id: u16) -> &PropDef {
        &self.defs[id as usize]
    }

    pub fn get(&self, name: &str) -> Option<&PropDef> {
        self.id(name).map(|id| self.def(id))
    }
}

/// Currencies the simulated account has enabled (`deal_currency_code` options).
pub const ACCOUNT_CURRENCIES: [&str; 7] = ["USD", "EUR", "GBP", "AUD", "NZD", "JPY", "BHD"];

/// The schema every simulated account starts with, including the
/// `ledgerbridge_*` properties an admin defines when installing the app.
pub fn default_schema(t: ObjectType) -> Schema {
    use PropType::*;
    let mut s = Schema::new();
    let computed = |name: &str, ty, c| PropDef {
        read_only: !matches!(c, Computed::CreateDate),
        computed: Some(c),
        ..PropDef::builtin(name, ty)
    };
    s.add(computed("hs_object_id", Number, Computed::ObjectId));
    s.add(computed("createdate", DateTime, Computed::CreateDate));
    s.add(computed("hs_createdate", DateTime, Computed::CreateDate));
    s.add(computed(
        "hs_lastmodifieddate",
        DateTime,
        Computed::LastModified,
    ));
    if t == ObjectType::Contacts {
        s.add(computed(
            "lastmodifieddate",
            DateTime,
            Computed::LastModified,
        ));
    }
    let builtin: &[(&str, PropType)] = match t {
        ObjectType::Contacts => &[
            ("firstname", String),
            ("lastname", String),
            ("email", String),
            ("phone", String),
            ("company", String),
            ("jobtitle", String),
            ("address", String),
            ("city", String),
            ("zip", String),
            ("country", String),
            ("associatedcompanyid", Number),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::Companies => &[
            ("name", String),
            ("domain", String),
            ("phone", String),
            ("address", String),
            ("city", String),
            ("zip", String),
            ("state", String),
            ("country", String),
            ("industry", Enumeration),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::Deals => &[
            ("dealname", String),
            ("amount", Number),
            ("closedate", DateTime),
            ("pipeline", Enumeration),
            ("dealstage", Enumeration),
            ("deal_currency_code", Enumeration),
            ("dealtype", Enumeration),
            ("description", String),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::Products => &[
            ("name", String),
            ("description", String),
            ("price", Number),
            ("hs_sku", String),
            ("hs_product_type", Enumeration),
            ("hs_cost_of_goods_sold", Number),
        ],
        ObjectType::LineItems => &[
            ("name", String),
            ("description", String),
            ("hs_product_id", Number),
            ("hs_sku", String),
            ("quantity", Number),
            ("price", Number),
            ("amount", Number),
            ("discount", Number),
            ("hs_discount_percentage", Number),
            ("hs_line_item_currency_code", Enumeration),
            ("hs_position_on_quote", Number),
        ],
        ObjectType::Notes => &[
            ("hs_timestamp", DateTime),
            ("hs_note_body", String),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::Meetings => &[
            ("hs_timestamp", DateTime),
            ("hs_meeting_title", String),
            ("hs_meeting_body", String),
            ("hs_meeting_start_time", DateTime),
            ("hs_meeting_end_time", DateTime),
            ("hs_meeting_outcome", Enumeration),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::Calls => &[
            ("hs_timestamp", DateTime),
            ("hs_call_title", String),
            ("hs_call_body", String),
            ("hs_call_duration", Number),
            ("hs_call_direction", Enumeration),
            ("hs_call_status", Enumeration),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::Emails => &[
            ("hs_timestamp", DateTime),
            ("hs_email_subject", String),
            ("hs_email_text", String),
            ("hs_email_direction", Enumeration),
            ("hs_email_status", Enumeration),
            ("hubspot_owner_id", Enumeration),
        ],
        other => other_builtin(other),
    };
    for (name, ty) in builtin {
        s.add(PropDef::builtin(name, *ty));
    }
    if t == ObjectType::Contacts {
        let id = s.must("email");
        s.defs[id as usize].unique = true;
    }
    let options = |s: &mut Schema, name: &str, opts: &[&str]| {
        let id = s.must(name);
        s.defs[id as usize].options = opts.iter().map(|o| o.to_string()).collect();
    };
    match t {
        ObjectType::Deals => {
            options(&mut s, "deal_currency_code", &ACCOUNT_CURRENCIES);
            options(&mut s, "dealtype", &["newbusiness", "existingbusiness"]);
        }
        ObjectType::Products => {
            options(
                &mut s,
                "hs_product_type",
                &["inventory", "non_inventory", "service"],
            );
        }
        ObjectType::LineItems => {
            options(&mut s, "hs_line_item_currency_code", &ACCOUNT_CURRENCIES);
        }
        ObjectType::Tasks => {
            let statuses = [
                "NOT_STARTED",
                "IN_PROGRESS",
                "WAITING",
                "COMPLETED",
                "DEFERRED",
            ];
            options(&mut s, "hs_task_status", &statuses);
            options(
                &mut s,
                "hs_task_priority",
                &["NONE", "LOW", "MEDIUM", "HIGH"],
            );
            options(&mut s, "hs_task_type", &["TODO", "CALL", "EMAIL"]);
        }
        ObjectType::Communications => {
            let channels = ["SMS", "WHATS_APP", "LINKEDIN_MESSAGE"];
            options(&mut s, "hs_communication_channel_type", &channels);
        }
        ObjectType::Quotes => {
            options(&mut s, "hs_currency", &ACCOUNT_CURRENCIES);
        }
        _ => {}
    }
    let custom: &[(&str, PropType)] = match t {
        // CRM payment properties (payments_source = "crm") and the write-back
        // properties, defined as an admin would when installing.
        ObjectType::Deals => &[
            ("ledgerbridge_crm_amount_paid", Number),
            ("ledgerbridge_crm_paid_date", Date),
            ("ledgerbridge_invoice_number", String),
            ("ledgerbridge_invoice_status", String),
            ("ledgerbridge_amount_paid", Number),
            ("ledgerbridge_amount_outstanding", Number),
            ("ledgerbridge_paid_date", Date),
        ],
        ObjectType::Companies => &[
            ("ledgerbridge_billing_email", String),
            ("ledgerbridge_tax_id", String),
            ("ledgerbridge_outstanding", Number),
            ("ledgerbridge_overdue", Number),
        ],
        ObjectType::Meetings => &[
            ("ledgerbridge_billable", Bool),
            ("ledgerbridge_hourly_rate", Number),
        ],
        _ => &[],
    };
    for (name, ty) in custom {
        s.add(PropDef {
            custom: true,
            group: "ledgerbridge".to_string(),
            ..PropDef::builtin(name, *ty)
        });
    }
    s
}

/// Standard properties of the types the connector does not sync: what HubSpot
/// defines for them in every account, so discovery and listings look real.
fn other_builtin(t: ObjectType) -> &'static [(&'static str, PropType)] {
    use PropType::*;
    match t {
        ObjectType::Tasks => &[
            ("hs_timestamp", DateTime),
            ("hs_task_subject", String),
            ("hs_task_body", String),
            ("hs_task_status", Enumeration),
            ("hs_task_priority", Enumeration),
            ("hs_task_type", Enumeration),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::Tickets => &[
            ("subject", String),
            ("content", String),
            ("hs_pipeline", Enumeration),
            ("hs_pipeline_stage", Enumeration),
            ("hs_ticket_priority", Enumeration),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::Communications => &[
            ("hs_timestamp", DateTime),
            ("hs_communication_channel_type", Enumeration),
            ("hs_communication_logged_from", Enumeration),
            ("hs_communication_body", String),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::Quotes => &[
            ("hs_title", String),
            ("hs_expiration_date", DateTime),
            ("hs_status", Enumeration),
            ("hs_quote_amount", Number),
            ("hs_currency", Enumeration),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::Leads => &[
            ("hs_lead_name", String),
            ("hs_lead_type", Enumeration),
            ("hs_lead_label", Enumeration),
            ("hs_pipeline", Enumeration),
            ("hs_pipeline_stage", Enumeration),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::PostalMail => &[
            ("hs_timestamp", DateTime),
            ("hs_postal_mail_body", String),
            ("hubspot_owner_id", Enumeration),
        ],
        ObjectType::GoalTargets => &[
            ("hs_goal_name", String),
            ("hs_target_amount", Number),
            ("hs_start_datetime", DateTime),
            ("hs_end_datetime", DateTime),
            ("hs_assignee_user_id", Number),
        ],
        ObjectType::FeedbackSubmissions => &[
            ("hs_survey_name", String),
            ("hs_survey_type", Enumeration),
            ("hs_response_value", String),
            ("hs_content", String),
            ("hs_submission_timestamp", DateTime),
        ],
        _ => &[],
    }
}

/// HubSpot-defined association type id for the default (unlabeled)
/// association from one type to another.
pub fn default_association_type(from: ObjectType, to: ObjectType) -> Option<u16> {
    use ObjectType::*;
    let id = match (from, to) {
        (Contacts, Companies) => 279,
        (Companies, Contacts) => 280,
        (Deals, Contacts) => 3,
        (Contacts, Deals) => 4,
        (Deals, Companies) => 341,
        (Companies, Deals) => 342,
        (Deals, LineItems) => 19,
        (LineItems, Deals) => 20,
        (Companies, Calls) => 181,
        (Calls, Companies) => 182,
        (Companies, Emails) => 185,
        (Emails, Companies) => 186,
        (Companies, Meetings) => 187,
        (Meetings, Companies) => 188,
        (Companies, Notes) => 189,
        (Notes, Companies) => 190,
        (Contacts, Calls) => 193,
        (Calls, Contacts) => 194,
        (Contacts, Emails) => 197,
        (Emails, Contacts) => 198,
        (Contacts, Meetings) => 199,
        (Meetings, Contacts) => 200,
        (Contacts, Notes) => 201,
        (Notes, Contacts) => 202,
        (Deals, Calls) => 205,
        (Calls, Deals) => 206,
        (Deals, Emails) => 209,
        (Emails, Deals) => 210,
        (Deals, Meetings) => 211,
        (Meetings, Deals) => 212,
        (Deals, Notes) => 213,
        (Notes, Deals) => 214,
        (Companies, Tasks) => 191,
        (Tasks, Companies) => 192,
        (Contacts, Tasks) => 203,
        (Tasks, Contacts) => 204,
        (Deals, Tasks) => 215,
        (Tasks, Deals) => 216,
        _ => return None,
    };
    Some(id)
}

/// Whether an association type id is valid between two types (the default
/// unlabeled one, or the primary company association).
pub fn valid_association_type(from: ObjectType, to: ObjectType, type_id: u16) -> bool {
    use ObjectType::*;
    default_association_type(from, to) == Some(type_id)
        || matches!(
            (from, to, type_id),
            (Contacts, Companies, 1)
                | (Companies, Contacts, 2)
                | (Deals, Companies, 5)
                | (Companies, Deals, 6)
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_type_ids_resolve_to_the_same_type() {
        for t in ObjectType::ALL {
            assert_eq!(ObjectType::parse(t.name()), Some(t));
            assert_eq!(ObjectType::parse(t.singular()), Some(t));
        }
        assert_eq!(ObjectType::parse("0-3"), Some(ObjectType::Deals));
        assert_eq!(ObjectType::parse("0-49"), Some(ObjectType::Emails));
    }

    #[test]
    fn every_default_property_is_defined() {
        for t in ObjectType::ALL {
            let s = default_schema(t);
            for p in t.default_properties() {
                assert!(s.id(p).is_some(), "{} lacks {p}", t.name());
            }
        }
    }

    #[test]
    fn association_types_come_in_pairs() {
        for a in ObjectType::ALL {
            for b in ObjectType::ALL {
                assert_eq!(
                    default_association_type(a, b).is_some(),
                    default_association_type(b, a).is_some()
                );
            }
        }
    }
}
