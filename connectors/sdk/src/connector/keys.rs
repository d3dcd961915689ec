//! A connection's vendor-specific keys and their typed reading.
//!
//! The engine reads the keys every connection shares (kind, auth, tokens, scopes, …)
//! itself and hands the rest of the `[connections.<name>]` table to the connector as
//! [`VendorKeys`]. The connector reads them into its own config type, which denies
//! unknown keys. serde's `flatten` and `deny_unknown_fields` do not combine, hence the
//! two passes: the engine's table keeps whatever it does not know, the connector's type
//! then refuses what *it* does not know.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

/// The keys of a connection table the engine does not read itself, as written.
pub type VendorKeys = BTreeMap<String, serde_json::Value>;

/// One problem with a vendor key, named so `check` can point at its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProblem {
    /// The key at fault; `None` when the problem is the table's (a missing key).
    pub key: Option<String>,
    pub message: String,
    /// The key is not one the connector knows: the engine, which knows the shared keys
    /// too, may word the message with the whole list.
    pub unknown: bool,
}

impl KeyProblem {
    pub fn at(key: &str, message: impl Into<String>) -> Self {
        KeyProblem {
            key: Some(key.to_string()),
            message: message.into(),
            unknown: false,
        }
    }
    pub fn table(message: impl Into<String>) -> Self {
        KeyProblem {
            key: None,
            message: message.into(),
            unknown: false,
        }
    }
}

/// Reads `keys` into `T` (which should deny unknown fields), reporting *every* problem:
/// after each error the key at fault is dropped and the read repeats, so one typo does not
/// hide a second one. `kind` names the connector in messages ("a hubspot connection does
/// not know `webhook_key`").
pub fn read_keys<T: DeserializeOwned>(kind: &str, keys: &VendorKeys) -> Result<T, Vec<KeyProblem>> {
    let mut left = keys.clone();
    let mut problems = Vec::new();
    // each round removes a key or ends, so this is bounded by the number of keys
    for _ in 0..=keys.len() + 1 {
        let value = serde_json::Value::Object(left.clone().into_iter().collect());
        let err = match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(t) if problems.is_empty() => return Ok(t),
            Ok(_) => return Err(problems),
            Err(e) => e,
        };
        let at = err.path().iter().next().and_then(|seg| match seg {
            serde_path_to_error::Segment::Map { key } => Some(key.clone()),
            _ => None,
        });
        let inner = err.into_inner().to_string();
        // serde names the unknown / missing field in its message, not in the path
        if let Some(unknown) = quoted_after(&inner, "unknown field `") {
            problems.push(KeyProblem {
                unknown: true,
                ..KeyProblem::at(
                    &unknown,
                    format!(
                        "a {kind} connection does not know the key `{unknown}`{}",
                        expected_list(&inner)
                    ),
                )
            });
            left.remove(&unknown);
            continue;
        }
        if let Some(missing) = quoted_after(&inner, "missing field `") {
            problems.push(KeyProblem::table(format!(
                "a {kind} connection needs the key `{missing}`"
            )));
            return Err(problems);
        }
        match at {
            Some(key) if left.contains_key(&key) => {
                problems.push(KeyProblem::at(&key, format!("`{key}`: {inner}")));
                left.remove(&key);
            }
            _ => {
                problems.push(KeyProblem::table(inner));
                return Err(problems);
            }
        }
    }
    Err(problems)
}

/// A URL key's value must be an http(s) URL; `env:NAME` left in place means the variable
/// is unset.
pub fn check_url(v: &str) -> Result<(), String> {
    if let Some(var) = v.strip_prefix("env:") {
        return Err(format!("environment variable {var} is not set"));
    }
    match url::Url::parse(v) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => Ok(()),
        Ok(u) => Err(format!(
            "URL `{v}` must use http or https, not {}",
            u.scheme()
        )),
        Err(e) => Err(format!("invalid URL `{v}`: {e}")),
    }
}

/// The text between `prefix` and the next backtick.
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    Some(rest[..rest.find('`')?].to_string())
}

/// " (it knows: a, b)" from serde's "expected `a`", "expected `a` or `b`" or
/// "expected one of `a`, `b`, …".
fn expected_list(message: &str) -> String {
    if message.contains("there are no fields") {
        return " (it takes no vendor-specific keys)".to_string();
    }
    match message.find(", expected ") {
        Some(i) => format!(
            " (it knows: {})",
            message[i + ", expected ".len()..]
                .trim_start_matches("one of ")
                .replace(" or ", ", ")
                .replace('`', "")
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        needed: String,
        #[serde(default)]
        port: Option<u16>,
    }

    fn keys(pairs: &[(&str, serde_json::Value)]) -> VendorKeys {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn every_unknown_key_and_a_bad_value_are_reported_by_name() {
        let k = keys(&[
            ("needed", "x".into()),
            ("typo_one", "a".into()),
            ("port", "not a number".into()),
            ("typo_two", 1.into()),
        ]);
        let problems = read_keys::<Sample>("demo", &k).unwrap_err();
        let at: Vec<Option<&str>> = problems.iter().map(|p| p.key.as_deref()).collect();
        assert_eq!(at, [Some("port"), Some("typo_one"), Some("typo_two")]);
        assert!(
            problems[1]
                .message
                .contains("a demo connection does not know the key `typo_one`"),
            "{problems:?}"
        );
        assert!(problems[1].message.contains("needed"), "{problems:?}");
    }

    #[test]
    fn a_missing_key_is_the_tables_problem() {
        let problems = read_keys::<Sample>("demo", &keys(&[])).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, None);
        assert_eq!(
            problems[0].message,
            "a demo connection needs the key `needed`"
        );
    }

    #[test]
    fn good_keys_read() {
        let s: Sample =
            read_keys("demo", &keys(&[("needed", "x".into()), ("port", 8.into())])).unwrap();
        assert_eq!(s.port, Some(8));
    }
}
