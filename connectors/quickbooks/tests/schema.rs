//! The schema derived from Intuit's XSDs refuses what QuickBooks refuses, so
//! the checks every other test makes with it mean something.

mod common;

use common::Schema;
use serde_json::json;

#[test]
fn the_derived_schema_refuses_wrong_names_types_and_enumerations() {
    let s = Schema::get();
    s.assert_valid(
        "Invoice",
        &json!({"CustomerRef": {"value": "1", "name": "Amy"}, "DocNumber": "1",
        "Line": [{"Amount": 10.5, "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1}}]}),
    );
    assert!(
        s.check("Invoice", &json!({"Customer": {"value": "1"}}))
            .is_err(),
        "unknown element"
    );
    assert!(
        s.check("Invoice", &json!({"CustomerRef": {"id": "1"}}))
            .is_err(),
        "a reference is {{value, name}}"
    );
    assert!(
        s.check("Invoice", &json!({"Line": [{"DetailType": "SalesLine"}]}))
            .is_err(),
        "enumeration"
    );
    assert!(
        s.check("Invoice", &json!({"TotalAmt": "ten"})).is_err(),
        "decimal type"
    );
    assert!(
        s.check("Invoice", &json!({"Line": {"Amount": 1}})).is_err(),
        "Line repeats: an array"
    );
    assert!(
        s.check("Customer", &json!({"Active": "yes"})).is_err(),
        "boolean type"
    );
    assert!(
        s.check("Fault", &json!({"Error": [{"Message": "no code"}]}))
            .is_err(),
        "code is required"
    );
    assert!(
        s.check(
            "BatchItemRequest",
            &json!({"bId": "1", "operation": "upsert"})
        )
        .is_err()
    );
    s.assert_valid(
        "IntuitResponse",
        &json!({"QueryResponse": {"Invoice": [{"Id": "1"}], "startPosition": 1,
        "maxResults": 1}, "time": "2026-12-07T10:00:00.000-08:00"}),
    );
    s.assert_valid(
        "IntuitResponse",
        &json!({"CDCResponse": [{"QueryResponse": [{"Customer": [
        {"Id": "3", "status": "Deleted", "domain": "QBO"}]}]}]}),
    );
}
