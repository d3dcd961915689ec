use serde_json::Value;

/// Fields QuickBooks computes itself: what a client sends for them is ignored
/// (clients that send whole objects back send these too).
const READ_ONLY: &[&str] = &[
    "MetaData",
    "domain",
    "status",
    "Balance",
    "HomeBalance",
    "HomeTotalAmt",
    "UnappliedAmt",
    "RemainingCredit",
    "BalanceWithJobs",
    "FullyQualifiedName",
];

/// Makes a client's body what QuickBooks reads from it: empty strings and
/// nulls mean "not set", a numeric `SyncToken` is its text, and read-only
/// fields are dropped. `sparse` stays (the write reads it).
pub fn tidy(body: Value) -> Value {
    let Value::Object(map) = body else {
        return body;
    };
    let mut out = serde_json::Map::new();
    for (k, v) in map {
        if READ_ONLY.contains(&k.as_str()) {
            continue;
        }
        match (k.as_str(), v) {
            ("SyncToken", Value::Number(n)) => {
                out.insert(k, Value::String(n.to_string()));
            }
            (_, v) => {
                if let Some(v) = tidy_value(v) {
                    out.insert(k, v);
                }
            }
        }
    }
    Value::Object(out)
}

/// Inside nested values only emptiness is cleaned. (`TotalAmt` is kept: it is
/// the amount of a payment, and sales forms compute their own.)
fn tidy_value(v: Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::Object(map) => {
            let cleaned: serde_json::Map<String, Value> = map
                .into_iter()
                .filter_map(|(k, v)| tidy_value(v).map(|v| (k, v)))
                .collect();
            Some(Value::Object(cleaned))
        }
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(tidy_value).collect(),
        )),
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_bodies_like_quickbooks() {
        let t = tidy(json!({"SyncToken": 3, "DocNumber": "", "PrivateNote": null,
            "MetaData": {}, "sparse": false,
            "Line": [{"LineNum": 0, "Description": ""}]}));
        assert_eq!(
            t,
            json!({"SyncToken": "3", "sparse": false, "Line": [{"LineNum": 0}]})
        );
    }
}
