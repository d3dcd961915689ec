//! QuickBooks refuses a body with a property its schema does not have
//! (error 2010, "Unrecognized field"). The names come from the JSON schema
//! derived from Intuit's XSDs (`spec/qbo-v3.schema.json`), walked through
//! references and arrays down to the offending field.

use std::sync::OnceLock;

use serde_json::Value;

fn schema() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| {
        serde_json::from_str(include_str!("../../spec/qbo-v3.schema.json"))
            .expect("the generated schema is JSON")
    })
}

/// The XSD type a schema node stands for, following `$ref` and array `items`.
fn resolve(node: &Value) -> Option<(&'static str, &'static Value)> {
    let defs = &schema()["$defs"];
    let node = if node["type"] == "array" {
        &node["items"]
    } else {
        node
    };
    let name = node["$ref"].as_str()?.strip_prefix("#/$defs/")?;
    let (key, def) = defs.as_object()?.get_key_value(name)?;
    Some((key.as_str(), def))
}

/// The first property of `body` that the XSD type `ty` does not have, with the
/// type it was found in.
pub fn unknown(ty: &str, body: &Value) -> Option<(String, String)> {
    let def = schema()["$defs"].get(ty)?;
    walk(ty, def, body)
}

fn walk(ty: &str, def: &Value, body: &Value) -> Option<(String, String)> {
    match body {
        Value::Array(items) => items.iter().find_map(|i| walk(ty, def, i)),
        Value::Object(map) => {
            let props = def["properties"].as_object()?;
            let closed = def["additionalProperties"] == Value::Bool(false);
            for (k, v) in map {
                match props.get(k) {
                    None if closed => return Some((ty.to_string(), k.clone())),
                    None => {}
                    Some(p) => {
                        if let Some((child, child_def)) = resolve(p)
                            && let Some(found) = walk(child, child_def, v)
                        {
                            return Some(found);
                        }
                    }
                }
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_unknown_names_at_any_depth() {
        assert_eq!(
            unknown("Invoice", &json!({"DocNumber": "1", "sparse": true})),
            None
        );
        assert_eq!(
            unknown("Invoice", &json!({"Colour": "red"})),
            Some(("Invoice".into(), "Colour".into()))
        );
        let deep = json!({"Line": [{"Amount": 1, "SalesItemLineDetail": {"ItemRef": {"value": "1", "label": "x"}}}]});
        assert_eq!(
            unknown("Invoice", &deep),
            Some(("ReferenceType".into(), "label".into()))
        );
    }
}
