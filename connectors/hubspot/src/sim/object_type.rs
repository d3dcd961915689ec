//! The CRM object types the simulator serves, by every name HubSpot accepts for
//! them in a path: plural, singular and the `0-x` objectTypeId.
//!
//! Beyond the types the connector syncs, the simulator serves the other standard
//! types a real account answers for (tickets, quotes, leads, …): a client that
//! discovers an account's schema walks all of them, and real HubSpot never answers
//! "Unable to infer object type" for a standard type.

/// A standard HubSpot object type. New types go at the end: the position is the
/// table index and fixes the type's id range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum ObjectType {
    Contacts = 0,
    Companies = 1,
    Deals = 2,
    Products = 3,
    LineItems = 4,
    Notes = 5,
    Meetings = 6,
    Calls = 7,
    Emails = 8,
    Tasks = 9,
    Tickets = 10,
    Communications = 11,
    Quotes = 12,
    Leads = 13,
    PostalMail = 14,
    GoalTargets = 15,
    FeedbackSubmissions = 16,
}

/// Per type: plural name, singular name, objectTypeId, uppercase name.
const NAMES: [(ObjectType, &str, &str, &str, &str); 17] = [
    (
        ObjectType::Contacts,
        "contacts",
        "contact",
        "0-1",
        "CONTACT",
    ),
    (
        ObjectType::Companies,
        "companies",
        "company",
        "0-2",
        "COMPANY",
    ),
    (ObjectType::Deals, "deals", "deal", "0-3", "DEAL"),
    (
        ObjectType::Products,
        "products",
        "product",
        "0-7",
        "PRODUCT",
    ),
    (
        ObjectType::LineItems,
        "line_items",
        "line_item",
        "0-8",
        "LINE_ITEM",
    ),
    (ObjectType::Notes, "notes", "note", "0-46", "NOTE"),
    (
        ObjectType::Meetings,
        "meetings",
        "meeting",
        "0-47",
        "MEETING",
    ),
    (ObjectType::Calls, "calls", "call", "0-48", "CALL"),
    (ObjectType::Emails, "emails", "email", "0-49", "EMAIL"),
    (ObjectType::Tasks, "tasks", "task", "0-27", "TASK"),
    (ObjectType::Tickets, "tickets", "ticket", "0-5", "TICKET"),
    (
        ObjectType::Communications,
        "communications",
        "communication",
        "0-18",
        "COMMUNICATION",
    ),
    (ObjectType::Quotes, "quotes", "quote", "0-14", "QUOTE"),
    (ObjectType::Leads, "leads", "lead", "0-136", "LEAD"),
    (
        ObjectType::PostalMail,
        "postal_mail",
        "postal_mail",
        "0-116",
        "POSTAL_MAIL",
    ),
    (
        ObjectType::GoalTargets,
        "goal_targets",
        "goal_target",
        "0-74",
        "GOAL_TARGET",
    ),
    (
        ObjectType::FeedbackSubmissions,
        "feedback_submissions",
        "feedback_submission",
        "0-19",
        "FEEDBACK_SUBMISSION",
    ),
];

impl ObjectType {
    pub const ALL: [ObjectType; 17] = {
        let mut all = [ObjectType::Contacts; 17];
        let mut i = 0;
        while i < 17 {
            all[i] = NAMES[i].0;
            i += 1;
        }
        all
    };

    fn names(
        self,
    ) -> &'static (
        ObjectType,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        &NAMES[self.index()]
    }

    /// Accepts the plural name, the singular name and the `0-x` objectTypeId,
    /// as HubSpot does in paths.
    pub fn parse(s: &str) -> Option<ObjectType> {
        let s = s.to_ascii_lowercase();
        NAMES
            .iter()
            .find(|(_, plural, singular, id, _)| s == *plural || s == *singular || s == *id)
            .map(|n| n.0)
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The collection name (paths, `/_sim/export` keys).
    pub fn name(self) -> &'static str {
        self.names().1
    }

    /// Singular name: association type names (`deal_to_company`) and webhook
    /// subscription types (`deal.creation`).
    pub fn singular(self) -> &'static str {
        self.names().2
    }

    /// The objectTypeId (`0-3` for deals).
    pub fn type_id(self) -> &'static str {
        self.names().3
    }

    /// The key HubSpot uses for this type inside a v3 object's `associations`
    /// (line items come back as `"line items"`, with a space).
    pub fn v3_assoc_key(self) -> &'static str {
        match self {
            ObjectType::LineItems => "line items",
            other => other.name(),
        }
    }

    /// Uppercase name used in HubSpot's batch error messages ("DEAL objects").
    pub fn upper(self) -> &'static str {
        self.names().4
    }

    /// Types the legacy webhooks API sends events for.
    pub fn has_webhooks(self) -> bool {
        matches!(
            self,
            ObjectType::Contacts
                | ObjectType::Companies
                | ObjectType::Deals
                | ObjectType::Products
                | ObjectType::LineItems
        )
    }

    /// First id of this type. Real ids are large integers; distinct ranges per
    /// type make a mixed-up id fail loudly instead of finding another record.
    /// All stay below 2^53 so JavaScript clients keep them exact.
    pub fn id_base(self) -> u64 {
        (self as u64 + 1) * 10_000_000_000 + 1
    }

    /// Properties returned when a list, read or search names none.
    pub fn default_properties(self) -> &'static [&'static str] {
        match self {
            ObjectType::Contacts => &[
                "firstname",
                "lastname",
                "email",
                "createdate",
                "lastmodifieddate",
                "hs_object_id",
            ],
            ObjectType::Companies => &[
                "name",
                "domain",
                "createdate",
                "hs_lastmodifieddate",
                "hs_object_id",
            ],
            ObjectType::Deals => &[
                "dealname",
                "amount",
                "closedate",
                "pipeline",
                "dealstage",
                "createdate",
                "hs_lastmodifieddate",
                "hs_object_id",
            ],
            ObjectType::Products => &[
                "name",
                "description",
                "price",
                "createdate",
                "hs_lastmodifieddate",
                "hs_object_id",
            ],
            ObjectType::LineItems => &[
                "name",
                "quantity",
                "price",
                "amount",
                "createdate",
                "hs_lastmodifieddate",
                "hs_object_id",
            ],
            ObjectType::Tickets => &[
                "subject",
                "content",
                "hs_pipeline",
                "hs_pipeline_stage",
                "createdate",
                "hs_lastmodifieddate",
                "hs_object_id",
            ],
            _ => &["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_declaration_order() {
        for (i, t) in ObjectType::ALL.iter().enumerate() {
            assert_eq!(t.index(), i, "{t:?}");
        }
    }

    #[test]
    fn standard_type_ids_resolve() {
        for (id, t) in [
            ("0-27", ObjectType::Tasks),
            ("0-5", ObjectType::Tickets),
            ("0-18", ObjectType::Communications),
            ("0-14", ObjectType::Quotes),
            ("0-136", ObjectType::Leads),
            ("0-116", ObjectType::PostalMail),
            ("0-74", ObjectType::GoalTargets),
            ("0-19", ObjectType::FeedbackSubmissions),
        ] {
            assert_eq!(ObjectType::parse(id), Some(t), "{id}");
            assert_eq!(t.type_id(), id);
        }
        assert_eq!(ObjectType::parse("TASKS"), Some(ObjectType::Tasks));
        assert_eq!(ObjectType::parse("widgets"), None);
    }
}
