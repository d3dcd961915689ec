//! Invalid mappings: each case asserts the exact message and its file:line.
//! Loading reports every problem of every file, not just the first.

mod common;

use common::*;
use ledgerbridge_mapping::MappingSet;

/// A valid deal → invoice mapping; cases edit one spot of it.
const BASE: &str = r#"source = { connector = "hubspot", object = "deal" }
target = { connector = "xero", object = "invoice" }
when = 'deal.status == "won"'
key = '"HS-" + deal.id'

[vars]
currency = 'coalesce(deal.currency, settings.default_currency)'

[fields]
date = 'date(deal.close_date)'
due_date = 'add_days(date(deal.close_date), 30)'
currency = 'currency'
status = 'settings.invoice_status'
tax_mode = 'lookup("tax_mode", currency, "exclusive")'

[[lines]]
for_each = "deal.line_items"
description = 'item.name'
quantity = 'item.quantity'
unit_amount = 'item.unit_price'
account_code = 'lookup("accounts", item.sku, "200")'

[tables.tax_mode]
AUD = "inclusive"

[tables.accounts]
"SKU-1" = "260"
"#;

/// Loads `text` as `bad.toml` and returns every problem as `file:line: message`.
fn problems(text: &str) -> Vec<String> {
    match MappingSet::from_sources(
        "m",
        vec![("m/bad.toml".into(), text.as_bytes().to_vec())],
        &hubspot_schema(),
        &settings(),
    ) {
        Ok(_) => Vec::new(),
        Err(p) => p.iter().map(|p| p.to_string()).collect(),
    }
}

/// `BASE` with `from` replaced by `to` (which must be there exactly once).
fn edit(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "{from}");
    BASE.replace(from, to)
}

fn assert_one(text: &str, expected: &str) {
    assert_eq!(problems(text), vec![expected.to_string()]);
}

#[test]
fn base_is_valid() {
    assert_eq!(problems(BASE), Vec::<String>::new());
}

#[test]
fn toml_syntax_error() {
    let p = problems(&edit("[fields]\n", "[fields\n"));
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("m/bad.toml:9: TOML syntax error: "),
        "{p:?}"
    );
}

#[test]
fn unknown_top_level_key() {
    assert_one(
        &edit("when = ", "wehn = "),
        "m/bad.toml:3: unknown key `wehn` (expected one of: description, enabled, source, target, when, key, cutover_date, vars, fields, lines, contact_persons, tables, customer)",
    );
}

#[test]
fn unknown_target_field() {
    // a misspelt field is unknown, and the field it was meant to be is missing
    assert_eq!(
        problems(&edit("due_date = ", "due = ")),
        vec![
            "m/bad.toml:11: `due` is not a field of a xero invoice (fields: date, due_date, currency, status, tax_mode)",
            "m/bad.toml:9: missing required xero invoice field `due_date`",
        ]
    );
}

#[test]
fn missing_required_target_field() {
    assert_one(
        &edit("status = 'settings.invoice_status'\n", ""),
        "m/bad.toml:9: missing required xero invoice field `status`",
    );
}

#[test]
fn missing_required_line_field() {
    assert_one(
        &edit("quantity = 'item.quantity'\n", ""),
        "m/bad.toml:16: missing required xero invoice line field `quantity`",
    );
}

#[test]
fn cel_syntax_error_with_file_column() {
    assert_one(
        &edit("'date(deal.close_date)'", "'date(deal.(close_date)'"),
        "m/bad.toml:10: `fields.date`: CEL syntax error at column 20: Syntax error: no viable alternative at input '.('",
    );
}

#[test]
fn cel_syntax_error_on_a_later_line_of_a_multiline_expression() {
    let text = edit(
        "due_date = 'add_days(date(deal.close_date), 30)'",
        "due_date = '''\nadd_days(\n  date(deal.close_date),, 30)'''",
    );
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("m/bad.toml:13: `fields.due_date`: CEL syntax error at column "),
        "{p:?}"
    );
}

#[test]
fn undeclared_source_property() {
    assert_one(
        &edit("'item.name'", "'item.properties.hs_product_type'"),
        "m/bad.toml:18: `lines[0].description`: the hubspot connector declares no property `hs_product_type` on line_item",
    );
}

#[test]
fn unknown_canonical_field() {
    assert_one(
        &edit("'date(deal.close_date)'", "'date(deal.closedate)'"),
        "m/bad.toml:10: `fields.date`: deal has no field `closedate` (fields: id, name, amount, currency, pipeline, stage, status, owner_id, close_date, company_id, contact_id, line_item_count, archived, properties; raw properties are under deal.properties)",
    );
}

#[test]
fn unknown_variable() {
    assert_one(
        &edit("'item.quantity'", "'itme.quantity'"),
        "m/bad.toml:19: `lines[0].quantity`: unknown variable `itme` (available: deal, company, contact, settings, key, currency, item)",
    );
}

#[test]
fn unknown_function() {
    assert_one(
        &edit("'item.unit_price'", "'mull(item.unit_price, \"2\")'"),
        "m/bad.toml:20: `lines[0].unit_amount`: unknown function `mull`",
    );
}

#[test]
fn wrong_number_of_arguments() {
    assert_one(
        &edit(
            "'add_days(date(deal.close_date), 30)'",
            "'add_days(date(deal.close_date))'",
        ),
        "m/bad.toml:11: `fields.due_date`: `add_days` takes 2 arguments, got 1",
    );
}

#[test]
fn float_literal_in_cel() {
    assert_one(
        &edit("'item.quantity'", "'mul(item.quantity, 1.1)'"),
        "m/bad.toml:19: `lines[0].quantity`: float literal 1.1: floats cannot carry money exactly; write dec(\"1.1\")",
    );
}

#[test]
fn float_literal_in_toml() {
    assert_one(
        &edit("quantity = 'item.quantity'", "quantity = 1.5"),
        "m/bad.toml:19: `lines[0].quantity` is a float literal; floats cannot carry money exactly: write a CEL expression in a string, e.g. 'dec(\"1.10\")'",
    );
}

#[test]
fn float_in_a_table() {
    assert_one(
        &edit("AUD = \"inclusive\"", "AUD = \"inclusive\"\nrate = 0.15"),
        "m/bad.toml:25: table `tax_mode`: `rate` is a float literal; write table values as strings, e.g. \"0.15\"",
    );
}

#[test]
fn cel_arithmetic_on_money() {
    assert_one(
        &edit("'item.unit_price'", "'item.unit_price * 2'"),
        "m/bad.toml:20: `lines[0].unit_amount`: CEL arithmetic `*` is not allowed: CEL has no decimal type; use add(), sub(), mul(), div() or neg()",
    );
}

#[test]
fn plus_on_money_would_concatenate() {
    assert_one(
        &edit("'item.unit_price'", "'item.unit_price + deal.amount'"),
        "m/bad.toml:20: `lines[0].unit_amount`: `+` on money or numbers is not allowed: on decimal strings it would concatenate them; use add()",
    );
}

#[test]
fn table_not_defined() {
    assert_one(
        &edit("lookup(\"accounts\"", "lookup(\"acounts\""),
        "m/bad.toml:21: `lines[0].account_code`: table `acounts` is not defined in [tables]",
    );
}

#[test]
fn type_error_found_by_sample_evaluation() {
    assert_one(
        &edit(
            "'add_days(date(deal.close_date), 30)'",
            "'add_days(date(deal.close_date), \"30\")'",
        ),
        "m/bad.toml:11: `fields.due_date`: add_days(): days: expected an int, got a string",
    );
}

#[test]
fn result_of_the_wrong_type() {
    assert_one(
        &edit("'date(deal.close_date)'", "'deal.name'"),
        "m/bad.toml:10: `fields.date`: \"Sample deal\" is not a date (YYYY-MM-DD, RFC 3339 or epoch milliseconds)",
    );
}

#[test]
fn type_error_in_the_ternary_arm_the_sample_does_not_take() {
    let text = edit(
        "'add_days(date(deal.close_date), 30)'",
        "'''deal.status == \"won\"\n  ? add_days(date(deal.close_date), 30)\n  : add_days(deal.close_date, \"x\")'''",
    );
    assert_one(
        &text,
        "m/bad.toml:13: `fields.due_date`: add_days(): days: expected an int, got a string",
    );
}

#[test]
fn wrong_type_in_the_other_arm_of_a_conditional() {
    assert_one(
        &edit(
            "'date(deal.close_date)'",
            "'deal.status == \"won\" ? date(deal.close_date) : true'",
        ),
        "m/bad.toml:10: `fields.date`: expected a date, got a bool",
    );
}

#[test]
fn when_must_be_boolean() {
    assert_one(
        &edit("'deal.status == \"won\"'", "'deal.status'"),
        "m/bad.toml:3: `when`: must be true or false, got a string",
    );
}

#[test]
fn unknown_source_object_and_connector() {
    let p = problems(&edit(
        "source = { connector = \"hubspot\", object = \"deal\" }",
        "source = { connector = \"salesforce\", object = \"ticket\" }",
    ));
    assert_eq!(
        p,
        vec![
            "m/bad.toml:1: source connector `salesforce` does not match the pair's source `hubspot`".to_string(),
            "m/bad.toml:1: unknown source object `ticket` (expected company, contact, deal or interaction)".to_string(),
        ]
    );
}

#[test]
fn unsupported_pair_of_objects() {
    assert_one(
        &edit("object = \"invoice\"", "object = \"customer\""),
        "m/bad.toml:2: a deal cannot be mapped to a customer",
    );
}

#[test]
fn missing_key() {
    assert_one(
        &edit("key = '\"HS-\" + deal.id'\n", ""),
        "m/bad.toml:1: missing `key` (the external reference written to the target, e.g. key = '\"HS-\" + deal.id')",
    );
}

#[test]
fn unknown_for_each_collection() {
    let p = problems(&edit(
        "for_each = \"deal.line_items\"",
        "for_each = \"deal.items\"",
    ));
    assert_eq!(
        p,
        vec![
            "m/bad.toml:17: `lines[0].for_each`: unknown collection `deal.items` (expected deal.line_items or meetings)".to_string()
        ]
    );
}

#[test]
fn unknown_customer_match_step() {
    let text = r#"source = { connector = "hubspot", object = "company" }
target = { connector = "xero", object = "customer" }
key = '"HS-CO-" + company.id'

[fields]
name = 'company.name'

[customer]
order = ["link", "phone", "email"]
"#;
    assert_one(
        text,
        "m/bad.toml:9: unknown customer match `phone` (expected link, external_ref, email, domain or name)",
    );
}

#[test]
fn expression_that_is_not_a_string() {
    assert_one(
        &edit("currency = 'currency'", "currency = 42"),
        "m/bad.toml:12: `fields.currency` must be a CEL expression in a string, not a integer",
    );
}

#[test]
fn every_problem_of_every_file_is_reported() {
    let bad =
        edit("'item.unit_price'", "'item.unit_price * 2'").replace("'item.name'", "'item.nme'");
    let other = edit("when = ", "wehn = ");
    let files = vec![
        ("m/a.toml".to_string(), bad.into_bytes()),
        ("m/b.toml".to_string(), other.into_bytes()),
    ];
    let p: Vec<String> = MappingSet::from_sources("m", files, &hubspot_schema(), &settings())
        .unwrap_err()
        .iter()
        .map(|p| format!("{}:{}", p.file, p.line))
        .collect();
    assert_eq!(p, vec!["m/a.toml:18", "m/a.toml:20", "m/b.toml:3"]);
}

#[test]
fn load_from_a_directory_reports_paths() {
    let dir = std::env::temp_dir().join(format!("lb-mapping-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("deal.toml"), edit("when = ", "wehn = ")).unwrap();
    let err = MappingSet::load(&dir, &hubspot_schema(), &settings()).unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].file, dir.join("deal.toml").display().to_string());
    assert_eq!(err[0].line, 3);
    std::fs::remove_dir_all(&dir).unwrap();
}
