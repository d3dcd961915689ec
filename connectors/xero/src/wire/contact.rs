use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ValidationError;

/// A Xero Contact (customer or supplier).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    #[serde(rename = "ContactID", skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Uuid>,
    #[serde(rename = "ContactNumber", skip_serializing_if = "Option::is_none")]
    pub contact_number: Option<String>,
    #[serde(rename = "AccountNumber", skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    #[serde(rename = "ContactStatus", skip_serializing_if = "Option::is_none")]
    pub contact_status: Option<String>,
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "FirstName", skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(rename = "EmailAddress", skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(rename = "ContactPersons", skip_serializing_if = "Option::is_none")]
    pub contact_persons: Option<Vec<ContactPerson>>,
    #[serde(rename = "TaxNumber", skip_serializing_if = "Option::is_none")]
    pub tax_number: Option<String>,
    #[serde(rename = "Addresses", skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<Address>>,
    #[serde(rename = "Phones", skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<Phone>>,
    #[serde(rename = "IsSupplier", skip_serializing_if = "Option::is_none")]
    pub is_supplier: Option<bool>,
    #[serde(rename = "IsCustomer", skip_serializing_if = "Option::is_none")]
    pub is_customer: Option<bool>,
    #[serde(rename = "DefaultCurrency", skip_serializing_if = "Option::is_none")]
    pub default_currency: Option<String>,
    #[serde(rename = "Website", skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(rename = "UpdatedDateUTC", skip_serializing_if = "Option::is_none")]
    pub updated_date_utc: Option<String>,
    #[serde(rename = "ContactGroups", skip_serializing_if = "Option::is_none")]
    pub contact_groups: Option<Vec<serde_json::Value>>,
    #[serde(
        rename = "HasValidationErrors",
        skip_serializing_if = "Option::is_none"
    )]
    pub has_validation_errors: Option<bool>,
    #[serde(rename = "ValidationErrors", skip_serializing_if = "Option::is_none")]
    pub validation_errors: Option<Vec<ValidationError>>,
}

/// A person at a contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactPerson {
    #[serde(rename = "FirstName", skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(rename = "EmailAddress", skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(rename = "IncludeInEmails", skip_serializing_if = "Option::is_none")]
    pub include_in_emails: Option<bool>,
}

/// A postal or street address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    #[serde(rename = "AddressType", skip_serializing_if = "Option::is_none")]
    pub address_type: Option<String>,
    #[serde(rename = "AddressLine1", skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    #[serde(rename = "AddressLine2", skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(rename = "City", skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(rename = "Region", skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(rename = "PostalCode", skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(rename = "Country", skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(rename = "AttentionTo", skip_serializing_if = "Option::is_none")]
    pub attention_to: Option<String>,
}

/// A phone number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Phone {
    #[serde(rename = "PhoneType", skip_serializing_if = "Option::is_none")]
    pub phone_type: Option<String>,
    #[serde(rename = "PhoneNumber", skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(rename = "PhoneAreaCode", skip_serializing_if = "Option::is_none")]
    pub phone_area_code: Option<String>,
    #[serde(rename = "PhoneCountryCode", skip_serializing_if = "Option::is_none")]
    pub phone_country_code: Option<String>,
}
