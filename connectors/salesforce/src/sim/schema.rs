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

const STAGE_NAMES: [&str; 10] = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
];

/// The stage's (probability, closed, won, forecast category).
pub fn stage(name: &str) -> Option<(u32, bool, bool, &'static str)> {
    STAGES
        .iter()
        .find(|s| s.0 == name)
        .map(|s| (s.1, s.2, s.3, s.4))
}

fn base(name: &'static str, label: &'static str, kind: FieldType) -> Field {
    Field {
        name,
        label,
        kind,
        reference_to: &[],
        relationship: None,
        createable: true,
        updateable: true,
        nillable: true,
        custom: name.ends_with("__c"),
        external_id: false,
        name_field: false,
        length: match kind {
            FieldType::Id | FieldType::Reference => 18,
            FieldType::String | FieldType::Email | FieldType::Phone | FieldType::Url => 255,
            FieldType::Textarea => 32_000,
            FieldType::Picklist => 255,
            _ => 0,
        },
        precision: match kind {
            FieldType::Currency | FieldType::Double => 18,
            FieldType::Percent => 3,
            _ => 0,
        },
        scale: match kind {
            FieldType::Currency | FieldType::Double => 2,
            _ => 0,
        },
        picklist: &[],
        restricted: false,
    }
}

fn text(name: &'static str, label: &'static str) -> Field {
    base(name, label, FieldType::String)
}

fn typed(name: &'static str, label: &'static str, kind: FieldType) -> Field {
    base(name, label, kind)
}

fn read_only(mut f: Field) -> Field {
    f.createable = false;
    f.updateable = false;
    f
}

fn required(mut f: Field) -> Field {
    f.nillable = false;
    f
}

fn reference(
    name: &'static str,
    label: &'static str,
    to: &'static [&'static str],
    rel: &'static str,
) -> Field {
    let mut f = base(name, label, FieldType::Reference);
    f.reference_to = to;
    f.relationship = Some(rel);
    f
}

fn picklist(
    name: &'static str,
    label: &'static str,
    values: &'static [&'static str],
    restricted: bool,
) -> Field {
    let mut f = base(name, label, FieldType::Picklist);
    f.picklist = values;
    f.restricted = restricted;
    f
}

fn name_field(mut f: Field) -> Field {
    f.name_field = true;
    f
}

fn external(mut f: Field) -> Field {
    f.external_id = true;
    f
}

/// Fields every object has: the id, the deleted flag and the audit fields.
fn system_fields(owner: bool) -> Vec<Field> {
    let mut id = read_only(required(typed("Id", "Record ID", FieldType::Id)));
    id.nillable = false;
    let mut v = vec![
        id,
        read_only(required(typed("IsDeleted", "Deleted", FieldType::Boolean))),
        read_only(required(typed(
            "CreatedDate",
            "Created Date",
            FieldType::DateTime,
        ))),
        read_only(required(reference(
            "CreatedById",
            "Created By ID",
            &["User"],
            "CreatedBy",
        ))),
        read_only(required(typed(
            "LastModifiedDate",
            "Last Modified Date",
            FieldType::DateTime,
        ))),
        read_only(required(reference(
            "LastModifiedById",
            "Last Modified By ID",
            &["User"],
            "LastModifiedBy",
        ))),
        read_only(required(typed(
            "SystemModstamp",
            "System Modstamp",
            FieldType::DateTime,
        ))),
    ];
    if owner {
        v.push(required(reference(
            "OwnerId",
            "Owner ID",
            &["User"],
            "Owner",
        )));
    }
    v
}

fn currency_iso() -> Field {
    required(picklist(
        "CurrencyIsoCode",
        "Currency ISO Code",
        &CURRENCIES,
        true,
    ))
}

fn object(
    name: &'static str,
    label: &'static str,
    label_plural: &'static str,
    key_prefix: &'static str,
    owner: bool,
    fields: Vec<Field>,
    children: Vec<ChildRelationship>,
) -> ObjectDef {
    let mut all = system_fields(owner);
    all.extend(fields);
    ObjectDef {
        name,
        label,
        label_plural,
        key_prefix,
        fields: all,
        children,
        createable: true,
        updateable: true,
    }
}

fn child(
    name: &'static str,
    child: &'static str,
    field: &'static str,
    cascade_delete: bool,
) -> ChildRelationship {
    ChildRelationship {
        name,
        child,
        field,
        cascade_delete,
    }
}

fn build() -> Vec<ObjectDef> {
    use FieldType::*;
    let mut stage_object = object(
        "OpportunityStage",
        "Opportunity Stage",
        "Opportunity Stages",
        "01J",
        false,
        vec![
            read_only(name_field(text("MasterLabel", "Master Label"))),
            read_only(text("ApiName", "Api Name")),
            read_only(typed("IsActive", "Active", Boolean)),
            read_only(typed("SortOrder", "Sort Order", Int)),
            read_only(typed("IsClosed", "Closed", Boolean)),
            read_only(typed("IsWon", "Won", Boolean)),
            read_only(picklist(
                "ForecastCategoryName",
                "Forecast Category Name",
                &["Omitted", "Pipeline", "BestCase", "Commit", "Closed"],
                true,
            )),
            read_only(typed("DefaultProbability", "Probability (%)", Percent)),
            read_only(typed("Description", "Description", String)),
        ],
        vec![],
    );
    stage_object.createable = false;
    stage_object.updateable = false;
    vec![
        object(
            "User",
            "User",
            "Users",
            "005",
            false,
            vec![
                required(text("Username", "Username")),
                read_only(name_field(text("Name", "Full Name"))),
                text("FirstName", "First Name"),
                required(text("LastName", "Last Name")),
                required(typed("Email", "Email", Email)),
                typed("IsActive", "Active", Boolean),
                text("Title", "Title"),
                currency_iso(),
            ],
            vec![],
        ),
        object(
            "Account",
            "Account",
            "Accounts",
            "001",
            true,
            vec![
                required(name_field(text("Name", "Account Name"))),
                picklist(
                    "Type",
                    "Account Type",
                    &[
                        "Prospect",
                        "Customer - Direct",
                        "Customer - Channel",
                        "Channel Partner / Reseller",
                        "Installation Partner",
                        "Technology Partner",
                        "Other",
                    ],
                    false,
                ),
                picklist(
                    "Industry",
                    "Industry",
                    &[
                        "Agriculture",
                        "Banking",
                        "Consulting",
                        "Education",
                        "Electronics",
                        "Energy",
                        "Manufacturing",
                        "Retail",
                        "Technology",
                        "Transportation",
                    ],
                    false,
                ),
                typed("BillingStreet", "Billing Street", Textarea),
                text("BillingCity", "Billing City"),
                text("BillingPostalCode", "Billing Zip/Postal Code"),
                text("BillingCountry", "Billing Country"),
                typed("Phone", "Account Phone", Phone),
                typed("Website", "Website", Url),
                typed("AnnualRevenue", "Annual Revenue", Currency),
                typed("NumberOfEmployees", "Employees", Int),
                typed("Description", "Account Description", Textarea),
                currency_iso(),
                external(text("Customer_Number__c", "Customer Number")),
                typed("Credit_Limit__c", "Credit Limit", Currency),
                picklist(
                    "Payment_Terms__c",
                    "Payment Terms",
                    &["Net 15", "Net 30", "Net 60", "Due on Receipt"],
                    true,
                ),
            ],
            vec![
                child("Contacts", "Contact", "AccountId", false),
                child("Opportunities", "Opportunity", "AccountId", false),
                child("Tasks", "Task", "WhatId", true),
                child("Events", "Event", "WhatId", true),
            ],
        ),
        object(
            "Contact",
            "Contact",
            "Contacts",
            "003",
            true,
            vec![
                reference("AccountId", "Account ID", &["Account"], "Account"),
                text("FirstName", "First Name"),
                required(text("LastName", "Last Name")),
                read_only(name_field(text("Name", "Full Name"))),
                typed("Email", "Email", Email),
                typed("Phone", "Business Phone", Phone),
                text("Title", "Title"),
                text("MailingCountry", "Mailing Country"),
                currency_iso(),
            ],
            vec![
                child(
                    "OpportunityContactRoles",
                    "OpportunityContactRole",
                    "ContactId",
                    true,
                ),
                child("Tasks", "Task", "WhoId", true),
                child("Events", "Event", "WhoId", true),
            ],
        ),
        object(
            "Product2",
            "Product",
            "Products",
            "01t",
            false,
            vec![
                required(name_field(text("Name", "Product Name"))),
                text("ProductCode", "Product Code"),
                typed("Description", "Product Description", Textarea),
                typed("IsActive", "Active", Boolean),
                picklist(
                    "Family",
                    "Product Family",
                    &["Licence", "Service", "Hardware"],
                    false,
                ),
                currency_iso(),
            ],
            vec![child(
                "PricebookEntries",
                "PricebookEntry",
                "Product2Id",
                true,
            )],
        ),
        object(
            "Pricebook2",
            "Price Book",
            "Price Books",
            "01s",
            false,
            vec![
                required(name_field(text("Name", "Price Book Name"))),
                typed("IsActive", "Active", Boolean),
                read_only(typed("IsStandard", "Is Standard Price Book", Boolean)),
                typed("Description", "Description", Textarea),
            ],
            vec![child(
                "PricebookEntries",
                "PricebookEntry",
                "Pricebook2Id",
                true,
            )],
        ),
        object(
            "PricebookEntry",
            "Price Book Entry",
            "Price Book Entries",
            "01u",
            false,
            vec![
                read_only(name_field(text("Name", "Product Name"))),
                required(reference(
                    "Pricebook2Id",
                    "Price Book ID",
                    &["Pricebook2"],
                    "Pricebook2",
                )),
                required(reference(
                    "Product2Id",
                    "Product ID",
                    &["Product2"],
                    "Product2",
                )),
                required(typed("UnitPrice", "List Price", Currency)),
                typed("IsActive", "Active", Boolean),
                typed("UseStandardPrice", "Use Standard Price", Boolean),
                read_only(text("ProductCode", "Product Code")),
                currency_iso(),
            ],
            vec![],
        ),
        object(
            "Opportunity",
            "Opportunity",
            "Opportunities",
            "006",
            true,
            vec![
                reference("AccountId", "Account ID", &["Account"], "Account"),
                required(name_field(text("Name", "Name"))),
                typed("Description", "Description", Textarea),
                required(picklist("StageName", "Stage", &STAGE_NAMES, true)),
                typed("Amount", "Amount", Currency),
                typed("Probability", "Probability (%)", Percent),
                required(typed("CloseDate", "Close Date", Date)),
                picklist(
                    "Type",
                    "Opportunity Type",
                    &[
                        "Existing Customer - Upgrade",
                        "Existing Customer - Replacement",
                        "Existing Customer - Downgrade",
                        "New Customer",
                    ],
                    false,
                ),
                picklist(
                    "LeadSource",
                    "Lead Source",
                    &[
                        "Web",
                        "Phone Inquiry",
                        "Partner Referral",
                        "Purchased List",
                        "Other",
                    ],
                    false,
                ),
                read_only(required(typed("IsClosed", "Closed", Boolean))),
                read_only(required(typed("IsWon", "Won", Boolean))),
                read_only(picklist(
                    "ForecastCategoryName",
                    "Forecast Category",
                    &["Omitted", "Pipeline", "BestCase", "Commit", "Closed"],
                    true,
                )),
                reference(
                    "Pricebook2Id",
                    "Price Book ID",
                    &["Pricebook2"],
                    "Pricebook2",
                ),
                currency_iso(),
                external(text("Invoice_Number__c", "Invoice Number")),
                picklist(
                    "Payment_Status__c",
                    "Payment Status",
                    &["Unpaid", "Partially Paid", "Paid"],
                    true,
                ),
                typed("Amount_Paid__c", "Amount Paid", Currency),
                typed("Paid_Date__c", "Paid Date", Date),
            ],
            vec![
                child(
                    "OpportunityLineItems",
                    "OpportunityLineItem",
                    "OpportunityId",
                    true,
                ),
                child(
                    "OpportunityContactRoles",
                    "OpportunityContactRole",
                    "OpportunityId",
                    true,
                ),
                child("Tasks", "Task", "WhatId", true),
                child("Events", "Event", "WhatId", true),
            ],
        ),
        object(
            "OpportunityLineItem",
            "Opportunity Product",
            "Opportunity Product",
            "00k",
            false,
            vec![
                required(reference(
                    "OpportunityId",
                    "Opportunity ID",
                    &["Opportunity"],
                    "Opportunity",
                )),
                reference(
                    "PricebookEntryId",
                    "Price Book Entry ID",
                    &["PricebookEntry"],
                    "PricebookEntry",
                ),
                read_only(reference(
                    "Product2Id",
                    "Product ID",
                    &["Product2"],
                    "Product2",
                )),
                read_only(text("ProductCode", "Product Code")),
                read_only(name_field(text("Name", "Opportunity Product Name"))),
                required(typed("Quantity", "Quantity", Double)),
                read_only(required(typed("TotalPrice", "Total Price", Currency))),
                required(typed("UnitPrice", "Sales Price", Currency)),
                read_only(typed("ListPrice", "List Price", Currency)),
                typed("Discount", "Discount", Percent),
                typed("ServiceDate", "Date", Date),
                text("Description", "Line Description"),
                read_only(typed("SortOrder", "Sort Order", Int)),
                read_only(currency_iso()),
            ],
            vec![],
        ),
        object(
            "OpportunityContactRole",
            "Opportunity Contact Role",
            "Opportunity Contact Role",
            "00K",
            false,
            vec![
                required(reference(
                    "OpportunityId",
                    "Opportunity ID",
                    &["Opportunity"],
                    "Opportunity",
                )),
                required(reference(
                    "ContactId",
                    "Contact ID",
                    &["Contact"],
                    "Contact",
                )),
                picklist(
                    "Role",
                    "Role",
                    &[
                        "Business User",
                        "Decision Maker",
                        "Economic Buyer",
                        "Evaluator",
                        "Influencer",
                        "Other",
                    ],
                    false,
                ),
                typed("IsPrimary", "Primary", Boolean),
            ],
            vec![],
        ),
        stage_object,
        object(
            "Task",
            "Task",
            "Tasks",
            "00T",
            true,
            vec![
                reference("WhoId", "Name ID", &["Contact"], "Who"),
                reference(
                    "WhatId",
                    "Related To ID",
                    &["Account", "Opportunity"],
                    "What",
                ),
                text("Subject", "Subject"),
                typed("ActivityDate", "Due Date Only", Date),
                required(picklist(
                    "Status",
                    "Status",
                    &[
                        "Not Started",
                        "In Progress",
                        "Completed",
                        "Waiting on someone else",
                        "Deferred",
                    ],
                    false,
                )),
                required(picklist(
                    "Priority",
                    "Priority",
                    &["High", "Normal", "Low"],
                    false,
                )),
                read_only(typed("IsClosed", "Closed", Boolean)),
                typed("Description", "Description", Textarea),
                picklist(
                    "TaskSubtype",
                    "Task Subtype",
                    &["Task", "Email", "Call"],
                    false,
                ),
                currency_iso(),
            ],
            vec![],
        ),
        object(
            "Event",
            "Event",
            "Events",
            "00U",
            true,
            vec![
                reference("WhoId", "Name ID", &["Contact"], "Who"),
                reference(
                    "WhatId",
                    "Related To ID",
                    &["Account", "Opportunity"],
                    "What",
                ),
                text("Subject", "Subject"),
                text("Location", "Location"),
                typed("StartDateTime", "Start Date Time", DateTime),
                typed("EndDateTime", "End Date Time", DateTime),
                typed("ActivityDateTime", "Due Date Time", DateTime),
                typed("DurationInMinutes", "Duration", Int),
                typed("Description", "Description", Textarea),
                currency_iso(),
            ],
            vec![],
        ),
    ]
}

/// Every object of the org, built once.
pub fn objects() -> &'static [ObjectDef] {
    static OBJECTS: OnceLock<Vec<ObjectDef>> = OnceLock::new();
    OBJECTS.get_or_init(build)
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
