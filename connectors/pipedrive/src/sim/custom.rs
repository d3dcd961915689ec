//! Custom fields: the company's own fields on deals, persons and
//! organizations. Pipedrive names each by a random 40-character hash (the
//! `field_code` of the field listings); values sit under `custom_fields`,
//! and a value must fit its field's type.

use chrono::NaiveDate;
use serde_json::Value;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::respond::ApiError;
use crate::wire::{CustomFields, Field, FieldOption};

/// The 40-character hash key of a custom field, stable for a seed.
pub fn field_key(seed: u64, entity: &str, name: &str) -> String {
    let digest = Sha256::digest(format!("{seed}:{entity}:{name}").as_bytes());
    hex::encode(digest)[..40].to_string()
}

/// A custom field definition.
pub fn custom(seed: u64, entity: &str, name: &str, field_type: &str, options: &[&str]) -> Field {
    Field {
        field_name: name.to_string(),
        field_code: field_key(seed, entity, name),
        field_type: field_type.to_string(),
        options: (!options.is_empty()).then(|| {
            options
                .iter()
                .enumerate()
                .map(|(i, l)| FieldOption {
                    id: option_id(entity, i),
                    label: l.to_string(),
                })
                .collect()
        }),
        subfields: None,
        is_custom_field: true,
        is_optional_response_field: false,
    }
}

/// Option ids are company-wide integers; each entity's options get their own hundred.
fn option_id(entity: &str, i: usize) -> i64 {
    let base = match entity {
        "deal" => 100,
        "person" => 200,
        _ => 300,
    };
    base + i as i64 + 1
}

/// A built-in field of the listing (`title`, `value`, …).
pub fn builtin(code: &str, name: &str, field_type: &str) -> Field {
    Field {
        field_name: name.to_string(),
        field_code: code.to_string(),
        field_type: field_type.to_string(),
        options: None,
        subfields: None,
        is_custom_field: false,
        is_optional_response_field: false,
    }
}

/// Looks up a custom field by its key or its exact name.
pub fn find<'a>(fields: &'a [Field], key_or_name: &str) -> Option<&'a Field> {
    fields
        .iter()
        .filter(|f| f.is_custom_field)
        .find(|f| f.field_code == key_or_name || f.field_name == key_or_name)
}

/// Checks values against their fields and merges them into `into`
/// (`null` clears a value). Unknown keys and ill-typed values are a 400
/// naming the key.
pub fn merge(
    fields: &[Field],
    into: &mut CustomFields,
    values: &CustomFields,
) -> Result<(), ApiError> {
    for (key, raw) in values {
        let field = fields
            .iter()
            .find(|f| f.is_custom_field && f.field_code == *key)
            .ok_or_else(|| ApiError::bad_request(format!("Unknown custom field \"{key}\".")))?;
        let v: Value = serde_json::from_str(raw.get()).map_err(|_| {
            ApiError::bad_request(format!("Custom field \"{key}\" is not valid JSON."))
        })?;
        if v.is_null() {
            into.remove(key);
            continue;
        }
        if let Err(why) = check_value(field, &v, raw) {
            return Err(ApiError::bad_request(format!(
                "Custom field \"{key}\" ({}, {}): {why}",
                field.field_name, field.field_type
            )));
        }
        into.insert(key.clone(), raw.clone());
    }
    Ok(())
}

fn check_value(field: &Field, v: &Value, raw: &RawValue) -> Result<(), String> {
    let is_number = |v: &Value| v.is_number();
    match field.field_type.as_str() {
        "varchar" | "text" | "phone" | "varchar_auto" => v
            .is_string()
            .then_some(())
            .ok_or_else(|| "expected a string".into()),
        "double" | "int" => is_number(v)
            .then_some(())
            .ok_or_else(|| "expected a number".into()),
        "date" => v
            .as_str()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(|_| ())
            .ok_or_else(|| "expected a date YYYY-MM-DD".into()),
        "enum" => {
            let id = v.as_i64().ok_or("expected an option id")?;
            let known = field.options.iter().flatten().any(|o| o.id == id);
            known
                .then_some(())
                .ok_or_else(|| format!("no option with id {id}"))
        }
        "monetary" => {
            // `{"value": 1250.5, "currency": "EUR"}`; the amount is read exactly
            #[derive(serde::Deserialize)]
            struct Monetary<'a> {
                #[serde(borrow)]
                value: &'a RawValue,
                currency: String,
            }
            let m: Monetary = serde_json::from_str(raw.get()).map_err(|_| {
                "expected {\"value\": number, \"currency\": \"ISO code\"}".to_string()
            })?;
            crate::money::parse_decimal(m.value.get()).ok_or("the value is not a number")?;
            let ok = m.currency.len() == 3 && m.currency.chars().all(|c| c.is_ascii_uppercase());
            ok.then_some(())
                .ok_or_else(|| format!("{:?} is not an ISO 4217 code", m.currency))
        }
        _ => Ok(()),
    }
}

/// At most this many keys in a `custom_fields=` selection.
pub const MAX_SELECTED: usize = 15;

/// The `custom_fields=key1,key2` selection of a read: only those custom
/// fields come back (`None`: all of them).
pub fn selection(q: &super::listing::Query) -> Result<Option<Vec<String>>, ApiError> {
    let Some(s) = q
        .get("custom_fields")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    let keys: Vec<String> = s
        .split(',')
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect();
    if keys.len() > MAX_SELECTED {
        return Err(ApiError::bad_request(format!(
            "\"custom_fields\" takes at most {MAX_SELECTED} keys, got {}.",
            keys.len()
        )));
    }
    Ok(Some(keys))
}

/// Keeps only the selected custom fields.
pub fn select(fields: &mut CustomFields, keys: &Option<Vec<String>>) {
    if let Some(keys) = keys {
        fields.retain(|k, _| keys.contains(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_string()).unwrap()
    }

    #[test]
    fn keys_are_40_hex_chars_and_values_must_fit() {
        let paid = custom(42, "deal", "Amount paid", "monetary", &[]);
        let status = custom(42, "deal", "Payment status", "enum", &["Unpaid", "Paid"]);
        assert_eq!(paid.field_code.len(), 40);
        assert!(paid.field_code.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(paid.field_code, status.field_code);
        let fields = vec![paid.clone(), status.clone()];
        let mut into = CustomFields::new();
        let mut ok = CustomFields::new();
        ok.insert(
            paid.field_code.clone(),
            raw(r#"{"value": 10.10, "currency": "EUR"}"#),
        );
        ok.insert(status.field_code.clone(), raw("102"));
        merge(&fields, &mut into, &ok).unwrap();
        assert_eq!(
            into[&paid.field_code].get(),
            r#"{"value": 10.10, "currency": "EUR"}"#
        );
        let mut bad = CustomFields::new();
        bad.insert(status.field_code.clone(), raw("999"));
        let e = merge(&fields, &mut into, &bad).unwrap_err();
        assert!(e.error.contains("no option with id 999"), "{e:?}");
        let mut unknown = CustomFields::new();
        unknown.insert("nope".into(), raw("1"));
        assert!(merge(&fields, &mut into, &unknown).is_err());
    }
}
