//! Xero's wire shapes, shared by the client (what it sends and reads) and the
//! simulator (what it stores and answers). Field names are Xero's; every field
//! is optional because Xero omits what is not set; money is `Decimal` read and
//! written as exact JSON number text (see `crate::money`).

mod contact;
mod envelope;
mod invoice;
mod settings;

pub use contact::{Address, Contact, ContactPerson, Phone};
pub use envelope::{Envelope, Pagination};
pub use invoice::{HistoryRecord, Invoice, LineItem, LineItemTracking, Payment};
pub use settings::{
    Account, Budget, BudgetBalance, BudgetLine, Connection, Currency, Organisation, TaxComponent,
    TaxRate, TrackingCategory, TrackingOption,
};

use serde::{Deserialize, Serialize};

/// `{"Message": "…"}` inside `ValidationErrors` and `Warnings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationError {
    #[serde(rename = "Message", default)]
    pub message: String,
}

impl ValidationError {
    pub fn new(message: impl Into<String>) -> Self {
        ValidationError {
            message: message.into(),
        }
    }
}
