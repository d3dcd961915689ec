//! Invoices and credit memos: customer and currency, dates and the closing
//! date, document numbers, lines with items, tax, totals and balance.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Ctx, payment};
use crate::sim::money::{amount, cents, to_json};
use crate::sim::refusals;
use crate::sim::seed::{RATES, US_TAX_CODE, currency_name, home_rate};
use crate::sim::state::Region;
use crate::sim::store::id_of;
use crate::wire::Fault;

/// QuickBooks' limit on `DocNumber`.
pub const DOC_NUMBER_MAX: usize = 21;

pub fn prepare(
    ctx: &mut Ctx,
    entity: &'static str,
    mut obj: Value,
    existing: Option<u64>,
) -> Result<Value, Fault> {
    let customer_id = id_of(&obj["CustomerRef"]).ok_or_else(|| refusals::missing("CustomerRef"))?;
    let customer = ctx
        .books
        .get("Customer", customer_id)
        .filter(|c| c["Active"].as_bool() != Some(false))
        .cloned()
        .ok_or_else(|| refusals::invalid_reference("CustomerRef", &customer_id.to_string()))?;
    obj["CustomerRef"] = json!({"value": customer_id.to_string(), "name": customer["DisplayName"]});

    let home = ctx.home_currency();
    let customer_currency = customer["CurrencyRef"]["value"]
        .as_str()
        .unwrap_or(&home)
        .to_string();
    let currency = obj["CurrencyRef"]["value"]
        .as_str()
        .unwrap_or(&customer_currency)
        .to_string();
    if currency != customer_currency {
        return Err(refusals::business(format!(
            "The transaction currency {currency} must be the currency of customer {} ({customer_currency}).",
            customer["DisplayName"].as_str().unwrap_or_default()
        ))
        .at("CurrencyRef"));
    }
    obj["CurrencyRef"] = json!({"value": currency, "name": currency_name(&currency)});
    let rate = exchange_rate(&obj, &currency, &home)?;
    if ctx.multicurrency() {
        obj["ExchangeRate"] = to_json(rate);
    } else if let Some(o) = obj.as_object_mut() {
        o.remove("ExchangeRate");
    }

    let txn_date = date(&obj["TxnDate"], "TxnDate")?.unwrap_or_else(|| ctx.st.today());
    ctx.check_open_period(txn_date)?;
    obj["TxnDate"] = json!(txn_date.to_string());
    if entity == "Invoice" {
        let due = date(&obj["DueDate"], "DueDate")?.unwrap_or(txn_date + chrono::Days::new(30));
        obj["DueDate"] = json!(due.to_string());
    }

    doc_number(ctx, entity, &mut obj, existing)?;

    let (lines, subtotal, taxable) = lines(ctx, &obj)?;
    let (tax_detail, tax) = tax(ctx, &obj, &taxable)?;
    let total = subtotal + tax;
    let mut all_lines = lines;
    all_lines.push(
        json!({"Amount": to_json(subtotal), "DetailType": "SubTotalLineDetail",
        "SubTotalLineDetail": {}}),
    );
    obj["Line"] = Value::Array(all_lines);
    obj["TxnTaxDetail"] = tax_detail;
    obj["TotalAmt"] = to_json(total);
    let applied = existing
        .map(|id| payment::applied_to(ctx.books, entity, &json!(id.to_string())))
        .unwrap_or_default();
    if total < applied {
        return Err(refusals::business(format!(
            "The {entity} total {total} is less than the {applied} already applied to it."
        )));
    }
    let balance = total - applied;
    obj["Balance"] = to_json(balance);
    if entity == "CreditMemo" {
        obj["RemainingCredit"] = to_json(balance);
    }
    if currency != home {
        obj["HomeTotalAmt"] = to_json(cents(total * rate));
        if entity == "Invoice" {
            obj["HomeBalance"] = to_json(cents(balance * rate));
        }
    }
    for (k, v) in [("PrintStatus", "NotSet"), ("EmailStatus", "NotSet")] {
        if obj[k].is_null() {
            obj[k] = json!(v);
        }
    }
    Ok(obj)
}

fn date(v: &Value, element: &str) -> Result<Option<NaiveDate>, Fault> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| refusals::invalid_value(element, s)),
        other => Err(refusals::invalid_value(element, &other.to_string())),
    }
}

fn exchange_rate(obj: &Value, currency: &str, home: &str) -> Result<Decimal, Fault> {
    if currency == home {
        return Ok(Decimal::ONE);
    }
    if let Some(r) = amount(&obj["ExchangeRate"], "ExchangeRate")?
        && r > Decimal::ZERO
        && r != Decimal::ONE
    {
        return Ok(r);
    }
    let usd = RATES
        .iter()
        .find(|r| r.0 == currency)
        .map(|r| r.2)
        .unwrap_or("1");
    Ok(Decimal::from_str(&home_rate(currency, home, usd)).unwrap_or(Decimal::ONE))
}

/// Checks or assigns `DocNumber`.
fn doc_number(
    ctx: &mut Ctx,
    entity: &'static str,
    obj: &mut Value,
    existing: Option<u64>,
) -> Result<(), Fault> {
    let custom = ctx.prefs()["SalesFormsPrefs"]["CustomTxnNumbers"]
        .as_bool()
        .unwrap_or(false);
    let Some(doc) = obj["DocNumber"].as_str().map(str::to_string) else {
        let next = ["Invoice", "CreditMemo"]
            .iter()
            .flat_map(|e| ctx.books.all(e))
            .filter_map(|o| o["DocNumber"].as_str()?.parse::<u64>().ok())
            .max()
            .unwrap_or(1000)
            + 1;
        obj["DocNumber"] = json!(next.to_string());
        return Ok(());
    };
    let len = doc.chars().count();
    if len > DOC_NUMBER_MAX {
        return Err(refusals::string_length("DocNumber", DOC_NUMBER_MAX, len));
    }
    if custom && !ctx.opts.allow_duplicate_doc_number {
        // sales forms share one sequence of numbers
        for other in ["Invoice", "CreditMemo"] {
            if let Some(clash) = ctx.books.all(other).find(|o| {
                !(other == entity && id_of(&o["Id"]) == existing)
                    && o["DocNumber"].as_str() == Some(&doc)
            }) {
                let txn_type = if other == "CreditMemo" {
                    "Credit Memo"
                } else {
                    other
                };
                return Err(refusals::duplicate_doc_number(
                    &doc,
                    txn_type,
                    clash["Id"].as_str().unwrap_or_default(),
                ));
            }
        }
    }
    Ok(())
}

/// The sales lines, checked and numbered; their sum; taxable amount per tax code.
type Lines = (Vec<Value>, Decimal, BTreeMap<String, Decimal>);

fn lines(ctx: &Ctx, obj: &Value) -> Result<Lines, Fault> {
    let Some(input) = obj["Line"].as_array() else {
        return Err(refusals::missing("Line"));
    };
    let mut out = Vec::new();
    let mut subtotal = Decimal::ZERO;
    let mut taxable: BTreeMap<String, Decimal> = BTreeMap::new();
    for line in input {
        let detail_type = line["DetailType"].as_str().unwrap_or_default();
        match detail_type {
            // QuickBooks writes the subtotal line itself
            "SubTotalLineDetail" => continue,
            "SalesItemLineDetail" => {}
            "DescriptionOnly" => {
                let n = out.len() + 1;
                let mut l = line.clone();
                l["Id"] = json!(n.to_string());
                l["LineNum"] = json!(n);
                l["Amount"] = json!(0);
                out.push(l);
                continue;
            }
            "" => return Err(refusals::missing("Line.DetailType")),
            other => return Err(refusals::invalid_value("Line.DetailType", other)),
        }
        let mut l = line.clone();
        let detail = &line["SalesItemLineDetail"];
        let item_id = id_of(&detail["ItemRef"])
            .ok_or_else(|| refusals::missing("Line.SalesItemLineDetail.ItemRef"))?;
        let item = ctx
            .books
            .get("Item", item_id)
            .filter(|i| i["Active"].as_bool() != Some(false))
            .ok_or_else(|| {
                refusals::invalid_reference(
                    "Line.SalesItemLineDetail.ItemRef",
                    &item_id.to_string(),
                )
            })?;
        let qty = amount(&detail["Qty"], "Line.SalesItemLineDetail.Qty")?;
        let price = amount(&detail["UnitPrice"], "Line.SalesItemLineDetail.UnitPrice")?;
        let given = amount(&line["Amount"], "Line.Amount")?;
        let computed = match (qty, price) {
            (Some(q), Some(p)) => Some(cents(q * p)),
            (None, Some(p)) => Some(cents(p)),
            _ => None,
        };
        let line_amount = match (given, computed) {
            (Some(g), Some(c)) if cents(g) != c => {
                return Err(refusals::amount_mismatch(&g.to_string(), &c.to_string()));
            }
            (Some(g), _) => cents(g),
            (None, Some(c)) => c,
            (None, None) => {
                let p = amount(&item["UnitPrice"], "UnitPrice")?.unwrap_or_default();
                cents(qty.unwrap_or(Decimal::ONE) * p)
            }
        };
        if let Some(class) = id_of(&detail["ClassRef"])
            && ctx.books.get("Class", class).is_none()
        {
            return Err(refusals::invalid_reference(
                "Line.SalesItemLineDetail.ClassRef",
                &class.to_string(),
            ));
        }
        let code = line_tax_code(ctx, detail)?;
        if code != "NON" {
            *taxable.entry(code.clone()).or_default() += line_amount;
        }
        let n = out.len() + 1;
        l["Id"] = json!(n.to_string());
        l["LineNum"] = json!(n);
        l["Amount"] = to_json(line_amount);
        l["SalesItemLineDetail"]["ItemRef"] =
            json!({"value": item_id.to_string(), "name": item["Name"]});
        l["SalesItemLineDetail"]["TaxCodeRef"] = json!({"value": code});
        out.push(l);
        subtotal += line_amount;
    }
    if !out.iter().any(|l| l["DetailType"] == "SalesItemLineDetail") {
        return Err(refusals::missing("Line"));
    }
    Ok((out, subtotal, taxable))
}

/// The line's tax code: `TAX`/`NON` in the US, a tax code id elsewhere.
fn line_tax_code(ctx: &Ctx, detail: &Value) -> Result<String, Fault> {
    let sent = detail["TaxCodeRef"]["value"].as_str().map(str::to_string);
    match ctx.st.region {
        Region::Us => match sent.as_deref() {
            None | Some("NON") => Ok("NON".into()),
            Some("TAX") => Ok("TAX".into()),
            Some(other) => Err(refusals::invalid_reference(
                "Line.SalesItemLineDetail.TaxCodeRef",
                other,
            )),
        },
        Region::Global => {
            let code =
                sent.ok_or_else(|| refusals::missing("Line.SalesItemLineDetail.TaxCodeRef"))?;
            match code
                .parse::<u64>()
                .ok()
                .and_then(|id| ctx.books.get("TaxCode", id))
            {
                Some(_) => Ok(code),
                None => Err(refusals::invalid_reference(
                    "Line.SalesItemLineDetail.TaxCodeRef",
                    &code,
                )),
            }
        }
    }
}

/// `TxnTaxDetail` and the tax total: one tax line per rate.
fn tax(
    ctx: &Ctx,
    obj: &Value,
    taxable: &BTreeMap<String, Decimal>,
) -> Result<(Value, Decimal), Fault> {
    // (tax code id, amount it applies to)
    let mut bases: Vec<(u64, Decimal)> = Vec::new();
    let mut txn_code = Value::Null;
    match ctx.st.region {
        Region::Us => {
            if let Some(base) = taxable.get("TAX") {
                let code = id_of(&obj["TxnTaxDetail"]["TxnTaxCodeRef"]).unwrap_or(US_TAX_CODE);
                if ctx.books.get("TaxCode", code).is_none() {
                    return Err(refusals::invalid_reference(
                        "TxnTaxDetail.TxnTaxCodeRef",
                        &code.to_string(),
                    ));
                }
                txn_code = json!({"value": code.to_string()});
                bases.push((code, *base));
            }
        }
        Region::Global => {
            for (code, base) in taxable {
                bases.push((code.parse().unwrap_or_default(), *base));
            }
        }
    }
    let mut tax_lines = Vec::new();
    let mut total = Decimal::ZERO;
    for (code, base) in bases {
        let Some(tax_code) = ctx.books.get("TaxCode", code) else {
            continue;
        };
        for detail in tax_code["SalesTaxRateList"]["TaxRateDetail"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(rate_id) = id_of(&detail["TaxRateRef"]) else {
                continue;
            };
            let Some(rate) = ctx.books.get("TaxRate", rate_id) else {
                continue;
            };
            let percent = amount(&rate["RateValue"], "RateValue")?.unwrap_or_default();
            let tax = cents(base * percent / Decimal::ONE_HUNDRED);
            total += tax;
            tax_lines.push(json!({"Amount": to_json(tax), "DetailType": "TaxLineDetail",
                "TaxLineDetail": {"TaxRateRef": {"value": rate_id.to_string()}, "PercentBased": true,
                    "TaxPercent": to_json(percent), "NetAmountTaxable": to_json(base)}}));
        }
    }
    let mut detail = json!({"TotalTax": to_json(total)});
    if !txn_code.is_null() {
        detail["TxnTaxCodeRef"] = txn_code;
    }
    if !tax_lines.is_empty() {
        detail["TaxLine"] = Value::Array(tax_lines);
    }
    Ok((detail, total))
}

/// A voided sales form or payment: QuickBooks keeps it with every amount at
/// zero and "Voided" in its private note.
pub fn voided(mut obj: Value) -> Value {
    for line in obj["Line"].as_array_mut().into_iter().flatten() {
        line["Amount"] = json!(0);
        if line["SalesItemLineDetail"].is_object() {
            line["SalesItemLineDetail"]["Qty"] = json!(0);
        }
    }
    for k in [
        "TotalAmt",
        "Balance",
        "HomeTotalAmt",
        "HomeBalance",
        "RemainingCredit",
        "UnappliedAmt",
    ] {
        if !obj[k].is_null() {
            obj[k] = json!(0);
        }
    }
    if obj["TxnTaxDetail"].is_object() {
        obj["TxnTaxDetail"] = json!({"TotalTax": 0});
    }
    let note = obj["PrivateNote"].as_str().unwrap_or_default().to_string();
    obj["PrivateNote"] = json!(if note.is_empty() {
        "Voided".to_string()
    } else {
        format!("Voided - {note}")
    });
    obj
}
