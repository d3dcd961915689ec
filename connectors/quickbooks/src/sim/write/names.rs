//! Name-list entities: customers, vendors and employees (one namespace of
//! display names), items, and accounts, classes and departments (unique names
//! within their own kind).

use serde_json::{Value, json};

use super::Ctx;
use crate::sim::refusals;
use crate::sim::seed::currency_name;
use crate::sim::store::id_of;
use crate::wire::Fault;

const DISPLAY_NAME_MAX: usize = 500;

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Customer, Vendor or Employee.
pub fn person(
    ctx: &mut Ctx,
    entity: &'static str,
    mut obj: Value,
    existing: Option<u64>,
) -> Result<Value, Fault> {
    let display = match obj["DisplayName"].as_str() {
        Some(d) => d.trim().to_string(),
        None => {
            // QuickBooks derives the display name from the person's or company's name
            let parts: Vec<&str> = ["Title", "GivenName", "MiddleName", "FamilyName", "Suffix"]
                .iter()
                .filter_map(|k| obj[*k].as_str())
                .collect();
            if !parts.is_empty() {
                parts.join(" ")
            } else if let Some(c) = obj["CompanyName"].as_str() {
                c.to_string()
            } else {
                return Err(refusals::missing("DisplayName"));
            }
        }
    };
    if display.chars().count() > DISPLAY_NAME_MAX {
        return Err(refusals::string_length(
            "DisplayName",
            DISPLAY_NAME_MAX,
            display.chars().count(),
        ));
    }
    for other in ["Customer", "Vendor", "Employee"] {
        let clash = ctx.books.all(other).any(|o| {
            !(other == entity && id_of(&o["Id"]) == existing)
                && o["DisplayName"].as_str().map(key) == Some(key(&display))
        });
        if clash {
            return Err(refusals::duplicate_name("customer, vendor or employee").at("DisplayName"));
        }
    }
    obj["DisplayName"] = json!(display);
    if obj["PrintOnCheckName"].is_null() {
        obj["PrintOnCheckName"] = json!(display);
    }
    if obj["Active"].is_null() {
        obj["Active"] = json!(true);
    }
    if entity == "Employee" {
        return Ok(obj);
    }
    obj["Balance"] = json!(0);
    let home = ctx.home_currency();
    let currency = obj["CurrencyRef"]["value"]
        .as_str()
        .unwrap_or(&home)
        .to_string();
    if currency_name(&currency).is_empty() {
        return Err(refusals::invalid_reference("CurrencyRef", &currency));
    }
    if currency != home && !ctx.multicurrency() {
        return Err(refusals::business(format!(
            "Multicurrency is off: a {entity} can only use the home currency {home}."
        )));
    }
    if let Some(id) = existing {
        let before = ctx.books.get(entity, id).cloned().unwrap_or(Value::Null);
        let was = before["CurrencyRef"]["value"]
            .as_str()
            .unwrap_or(&home)
            .to_string();
        if was != currency {
            return Err(refusals::business(format!(
                "You can't change the currency of {display}: a customer or vendor keeps the currency it was created with ({was})."
            ))
            .at("CurrencyRef"));
        }
        obj["Balance"] = before["Balance"].clone();
    }
    obj["CurrencyRef"] = json!({"value": currency, "name": currency_name(&currency)});
    if entity == "Customer" {
        obj["FullyQualifiedName"] = json!(display);
        obj["BalanceWithJobs"] = obj["Balance"].clone();
        for (k, v) in [("Job", false), ("BillWithParent", false), ("Taxable", true)] {
            if obj[k].is_null() {
                obj[k] = json!(v);
            }
        }
    }
    Ok(obj)
}

/// Item: a Service or NonInventory product with an income account.
pub fn item(ctx: &mut Ctx, mut obj: Value, existing: Option<u64>) -> Result<Value, Fault> {
    let name = obj["Name"]
        .as_str()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if name.is_empty() {
        return Err(refusals::missing("Name"));
    }
    if name.chars().count() > 100 {
        return Err(refusals::string_length("Name", 100, name.chars().count()));
    }
    unique_name(ctx, "Item", &name, existing, "product or service")?;
    let kind = obj["Type"].as_str().unwrap_or("Service").to_string();
    if !matches!(kind.as_str(), "Service" | "NonInventory") {
        return Err(refusals::invalid_value("Type", &kind));
    }
    let account =
        id_of(&obj["IncomeAccountRef"]).ok_or_else(|| refusals::missing("IncomeAccountRef"))?;
    let acc = ctx
        .books
        .get("Account", account)
        .filter(|a| a["Active"].as_bool() != Some(false))
        .ok_or_else(|| refusals::invalid_reference("IncomeAccountRef", &account.to_string()))?;
    obj["IncomeAccountRef"] = json!({"value": account.to_string(), "name": acc["Name"]});
    obj["Type"] = json!(kind);
    obj["Name"] = json!(name);
    obj["FullyQualifiedName"] = json!(name);
    if obj["Active"].is_null() {
        obj["Active"] = json!(true);
    }
    crate::sim::money::amount(&obj["UnitPrice"], "UnitPrice")?;
    Ok(obj)
}

/// Account, Class or Department.
pub fn simple(
    ctx: &mut Ctx,
    entity: &'static str,
    mut obj: Value,
    existing: Option<u64>,
) -> Result<Value, Fault> {
    let name = obj["Name"]
        .as_str()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if name.is_empty() {
        return Err(refusals::missing("Name"));
    }
    unique_name(ctx, entity, &name, existing, &entity.to_lowercase())?;
    if entity == "Account" && obj["AccountType"].is_null() {
        return Err(refusals::missing("AccountType"));
    }
    obj["Name"] = json!(name);
    obj["FullyQualifiedName"] = json!(name);
    if obj["Active"].is_null() {
        obj["Active"] = json!(true);
    }
    Ok(obj)
}

fn unique_name(
    ctx: &Ctx,
    entity: &str,
    name: &str,
    existing: Option<u64>,
    what: &str,
) -> Result<(), Fault> {
    let clash = ctx
        .books
        .all(entity)
        .any(|o| id_of(&o["Id"]) != existing && o["Name"].as_str().map(key) == Some(key(name)));
    if clash {
        return Err(refusals::duplicate_name(what).at("Name"));
    }
    Ok(())
}
