use serde::{Deserialize, Serialize};

/// One option of an `enum` or `set` field.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldOption {
    pub id: i64,
    pub label: String,
}

/// One entry of `GET /api/v2/dealFields` (and person, organization fields):
/// custom fields have a 40-character hash as `field_code`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Field {
    pub field_name: String,
    pub field_code: String,
    /// `varchar`, `double`, `monetary`, `enum`, `date`, …
    pub field_type: String,
    pub options: Option<Vec<FieldOption>>,
    pub subfields: Option<Vec<serde_json::Value>>,
    pub is_custom_field: bool,
    pub is_optional_response_field: bool,
}
