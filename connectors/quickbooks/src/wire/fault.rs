use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `Fault.type` as QuickBooks writes it in JSON bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultType {
    ValidationFault,
    SystemFault,
    AuthenticationFault,
    AuthorizationFault,
    ThrottleFault,
}

impl FaultType {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultType::ValidationFault => "ValidationFault",
            FaultType::SystemFault => "SystemFault",
            FaultType::AuthenticationFault => "AuthenticationFault",
            FaultType::AuthorizationFault => "AuthorizationFault",
            FaultType::ThrottleFault => "ThrottleFault",
        }
    }
}

/// One `Fault.Error[]` entry: `{"Message", "Detail", "code", "element"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorItem {
    #[serde(rename = "Message")]
    pub message: String,
    #[serde(rename = "Detail", default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
}

/// A QuickBooks `Fault`: the body of every refusal, alone or inside a batch item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    #[serde(rename = "Error")]
    pub errors: Vec<ErrorItem>,
    #[serde(rename = "type")]
    pub kind: FaultType,
}

impl Fault {
    /// A fault with one error.
    pub fn new(kind: FaultType, code: u32, message: &str, detail: impl Into<String>) -> Fault {
        Fault {
            errors: vec![ErrorItem {
                message: message.to_string(),
                detail: Some(detail.into()),
                code: code.to_string(),
                element: None,
            }],
            kind,
        }
    }

    /// A validation fault with one error.
    pub fn validation(code: u32, message: &str, detail: impl Into<String>) -> Fault {
        Fault::new(FaultType::ValidationFault, code, message, detail)
    }

    /// Names the element the error is about (`DocNumber`, `Line.ItemRef`...).
    pub fn at(mut self, element: &str) -> Fault {
        for e in &mut self.errors {
            e.element = Some(element.to_string());
        }
        self
    }

    /// The first error's code as a number (0 when it is not one).
    pub fn code(&self) -> u32 {
        self.errors
            .first()
            .and_then(|e| e.code.parse().ok())
            .unwrap_or(0)
    }

    pub fn to_json(&self) -> Value {
        json!(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_in_intuits_shape() {
        let f = Fault::validation(6240, "Duplicate Name Exists Error", "in use").at("DisplayName");
        assert_eq!(
            f.to_json(),
            json!({"Error": [{"Message": "Duplicate Name Exists Error", "Detail": "in use",
                "code": "6240", "element": "DisplayName"}], "type": "ValidationFault"})
        );
        assert_eq!(f.code(), 6240);
    }
}
