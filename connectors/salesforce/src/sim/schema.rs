//! The org's objects and fields: what `describe` reports, what SOQL may
//! select and filter on, and what a write may set.

use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Id,
    Reference,
    String,
    Textarea,
    Picklist,
    Email,
    Phone,
    Url,
    Currency,
    Double,
    Percent,
    Int,
    Boolean,
    Date,
    DateTime,
}

impl FieldType {
    /// The describe `type`.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::Reference => "reference",
            FieldType::String => "string",
            FieldType::Textarea => "textarea",
            FieldType::Picklist => "picklist",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::Currency => "currency",
            FieldType::Double => "double",
            FieldType::Percent => "percent",
            FieldType::Int => "int",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
        }
    }

    /// The describe `soapType`.
    pub fn soap_type(self) -> &'static str {
        match self {
            FieldType::Id | FieldType::Reference => "tns:ID",
            FieldType::Currency | FieldType::Double | FieldType::Percent => "xsd:double",
            FieldType::Int => "xsd:int",
            FieldType::Boolean => "xsd:boolean",
            FieldType::Date => "xsd:date",
            FieldType::DateTime => "xsd:dateTime",
            _ => "xsd:string",
        }
    }

    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::Id
                | FieldType::Reference
                | FieldType::String
                | FieldType::Textarea
                | FieldType::Picklist
                | FieldType::Email
                | FieldType::Phone
                | FieldType::Url
        )
    }

    pub fn is_decimal(self) -> bool {
        matches!(
            self,
            FieldType::Currency | FieldType::Double | FieldType::Percent
        )
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldType,
    /// Objects a reference points at (several for `WhoId`/`WhatId`).
    pub reference_to: &'static [&'static str],
    /// `Account` for `AccountId`: the name SOQL walks (`Account.Name`).
    pub relationship: Option<&'static str>,
    pub createable: bool,
    pub updateable: bool,
    pub nillable: bool,
    pub custom: bool,
    pub external_id: bool,
    pub name_field: bool,
    pub length: u32,
    pub precision: u32,
    pub scale: u32,
    pub picklist: &'static [&'static str],
    /// Restricted picklists refuse values outside their list.
    pub restricted: bool,
}

/// A child relationship: `Opportunity.OpportunityLineItems` are the
/// `OpportunityLineItem` records whose `OpportunityId` points at it.
#[derive(Debug, Clone)]
pub struct ChildRelationship {
    pub name: &'static str,
    pub child: &'static str,
    pub field: &'static str,
    pub cascade_delete: bool,
}

#[derive(Debug, Clone)]
pub struct ObjectDef {
    pub name: &'static str,
    pub label: &'static str,
    pub label_plural: &'static str,
    pub key_prefix: &'static str,
    pub fields: Vec<Field>,
    pub children: Vec<ChildRelationship>,
    pub createable: bool,
    pub updateable: bool,
}

impl ObjectDef {
    /// A field by name, case-insensitively as SOQL and the REST API match them.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The reference field whose relationship name is `rel` (`Account` → `AccountId`).
    pub fn relationship(&self, rel: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.relationship.is_some_and(|r| r.eq_ignore_ascii_case(rel)))
    }

    pub fn child(&self, rel: &str) -> Option<&ChildRelationship> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(rel))
    }
}

/// Currencies of this multi-currency org; the corporate currency first.
pub const CURRENCIES: [&str; 6] = ["USD", "EUR", "GBP", "AUD", "JPY", "NZD"];

pub const STAGES: [(&str, u32, bool, bool, &str); 10] = [
    ("Prospecting", 10, false, false, "Pipeline"),
    ("Qualification", 10, false, false, "Pipeline"),
    ("Needs Analysis", 20, false, false, "Pipeline"),
    ("Value Proposition", 50, false, false, "Pipeline"),
    ("Id. Decision Makers", 60, false, false, "Pipeline"),
    ("Perception Analysis", 70, false, false, "Pipeline"),
    ("Proposal/Price Quote", 75, false, false, "Pipeline"),
    ("Negotiation/Review", 90, false, false, "Commit"),
    ("Closed Won", 100, true, true, "Closed"),
    ("Closed Lost", 0, true, false, "Omitted"),
];

/// The stage's (probability, closed, won, forecast category).
pub fn stage(name: &str) -> Option<(u32, bool, bool, &'static str)> {
    STAGES
        .iter()
        .find(|s| s.0 == name)
        .map(|s| (s.1, s.2, s.3, s.4))
}

/// Every object of the org, built once.
pub fn objects() -> &'static [ObjectDef] {
    static OBJECTS: OnceLock<Vec<ObjectDef>> = OnceLock::new();
    OBJECTS.get_or_init(super::catalog::build)
}

/// An object by name, case-insensitively.
pub fn object_def(name: &str) -> Option<&'static ObjectDef> {
    objects().iter().find(|o| o.name.eq_ignore_ascii_case(name))
}

/// The object an id belongs to, by its key prefix.
pub fn object_of_id(id: &str) -> Option<&'static ObjectDef> {
    let prefix = id.get(..3)?;
    objects().iter().find(|o| o.key_prefix == prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_and_child_points_at_a_real_object_and_field() {
        for o in objects() {
            for f in &o.fields {
                for to in f.reference_to {
                    assert!(object_def(to).is_some(), "{}.{} → {to}", o.name, f.name);
                }
            }
            for c in &o.children {
                let child = object_def(c.child).expect(c.child);
                let f = child.field(c.field).expect(c.field);
                assert!(f.reference_to.contains(&o.name), "{}.{}", o.name, c.name);
            }
        }
    }

    #[test]
    fn custom_fields_are_marked_custom() {
        let opp = object_def("opportunity").unwrap();
        assert!(opp.field("payment_status__c").unwrap().custom);
        assert!(!opp.field("Amount").unwrap().custom);
        assert_eq!(opp.relationship("account").unwrap().name, "AccountId");
    }
}
