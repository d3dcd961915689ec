//! The refusals QuickBooks answers with, code and wording as Intuit's error
//! pages and real responses have them. Where Intuit publishes no code for a
//! rule (the currency of a customer's transactions, applying more than an
//! invoice's balance) the simulator answers with the general business
//! validation error 6000, as QuickBooks does for rules without a code of their own.

use crate::wire::{Fault, FaultType};

pub fn stale(entity: &str) -> Fault {
    Fault::validation(
        5010,
        "Stale Object Error",
        format!(
            "Stale Object Error : You and ledgerbridge-sim were working on this {entity} at the same time. ledgerbridge-sim finished before you did, so your work was not saved."
        ),
    )
    .at("SyncToken")
}

pub fn duplicate_name(what: &str) -> Fault {
    Fault::validation(
        6240,
        "Duplicate Name Exists Error",
        format!(
            "The name supplied already exists. : Another {what} is already using this name. Please use a different name."
        ),
    )
}

/// 6140 is what QuickBooks answers today (Intuit's support staff name 6140 for
/// it, and live responses carry this wording with the clashing TxnType and
/// TxnId); an older Intuit list of frequent errors gives 6210 for the same
/// message, which clients that match on the code alone should accept too.
pub fn duplicate_doc_number(doc: &str, txn_type: &str, txn_id: &str) -> Fault {
    Fault::validation(
        6140,
        "Duplicate Document Number Error",
        format!(
            "Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber={doc} is assigned to TxnType={txn_type} with TxnId={txn_id}"
        ),
    )
    .at("DocNumber")
}

pub fn string_length(element: &str, max: usize, len: usize) -> Fault {
    Fault::validation(
        2050,
        "String length is either shorter or longer than supported by specification",
        format!("String length specified does not match the supported length. Min:0 Max:{max} supplied length:{len}"),
    )
    .at(element)
}

/// A transaction dated on or before the company's closing date. The message and
/// detail are QuickBooks' own; Intuit publishes no code for it, 6200 is the
/// simulator's choice.
pub fn period_closed() -> Fault {
    Fault::validation(
        6200,
        "Account Period Closed, Cannot Update Through Services API",
        "The account period has closed and the account books cannot be updated through the QBO Services API. Please use the QBO website to make these changes.",
    )
    .at("TxnDate")
}

pub fn missing(element: &str) -> Fault {
    Fault::validation(
        2020,
        "Required param missing, need to supply the required value for the API",
        format!("Required parameter {element} is missing in the request"),
    )
    .at(element)
}

pub fn invalid_reference(element: &str, id: &str) -> Fault {
    Fault::validation(
        2500,
        "Invalid Reference Id",
        format!(
            "Invalid Reference Id : Something you're trying to use has been made inactive or does not exist ({element} {id}). Check the fields with accounts, customers, items, vendors or employees."
        ),
    )
    .at(element)
}

pub fn invalid_value(element: &str, value: &str) -> Fault {
    Fault::validation(
        2010,
        "Request has invalid or unsupported property",
        format!("Property Name:{element} has an invalid value: {value}"),
    )
    .at(element)
}

pub fn not_found(entity: &str, id: &str) -> Fault {
    Fault::validation(
        610,
        "Object Not Found",
        format!(
            "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. ({entity} Id {id})"
        ),
    )
}

pub fn business(detail: impl Into<String>) -> Fault {
    Fault::validation(
        6000,
        "A business validation error has occurred while processing your request",
        format!("Business Validation Error: {}", detail.into()),
    )
}

pub fn amount_mismatch(supplied: &str, expected: &str) -> Fault {
    Fault::validation(
        6070,
        "Amount calculation incorrect in the request",
        format!(
            "Amount is not equal to UnitPrice * Qty. Supplied value:{supplied} Expected:{expected}"
        ),
    )
    .at("Line.Amount")
}

pub fn unsupported(operation: &str, entity: &str) -> Fault {
    Fault::validation(
        500,
        "Unsupported Operation",
        format!("Operation {operation} is not supported for {entity}."),
    )
}

/// A property Intuit's schema does not have, in QuickBooks' own wording.
pub fn unrecognized_field(class: &str, field: &str) -> Fault {
    Fault::validation(
        2010,
        "Request has invalid or unsupported property",
        format!(
            "Property Name:Unrecognized field \"{field}\" (class com.intuit.schema.finance.v3.{class}), not marked as ignorable specified is unsupported or invalid"
        ),
    )
    .at(field)
}

pub fn bad_request(detail: impl Into<String>) -> Fault {
    Fault::validation(
        2010,
        "Request has invalid or unsupported property",
        detail.into(),
    )
}

pub fn query_parse(detail: impl Into<String>) -> Fault {
    Fault::validation(
        4000,
        "Error parsing query",
        format!("QueryParserError: {}", detail.into()),
    )
}

pub fn query_invalid(detail: impl Into<String>) -> Fault {
    Fault::validation(
        4001,
        "Invalid query",
        format!("QueryValidationError: {}", detail.into()),
    )
}

pub fn unauthorized() -> Fault {
    Fault::new(
        FaultType::AuthenticationFault,
        3200,
        "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        "Token invalid or expired: the access token is not valid for this company",
    )
}

pub fn throttled() -> Fault {
    Fault::new(
        FaultType::ThrottleFault,
        3001,
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.",
    )
}

pub fn server_error() -> Fault {
    Fault::new(
        FaultType::SystemFault,
        10000,
        "An application error has occurred while processing your request",
        "System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again.",
    )
}
