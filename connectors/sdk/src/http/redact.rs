//! Keeping secrets out of logs.

use url::Url;

/// Query parameter names (case-insensitive substrings) whose values are
/// never logged: tokens, secrets, OAuth codes, passwords, API keys,
/// signatures (Pipedrive's legacy `api_token`, OAuth `code`, `client_secret`).
const SENSITIVE: &[&str] = &[
    "token",
    "secret",
    "code",
    "password",
    "passwd",
    "key",
    "signature",
    "auth",
    "session",
    "credential",
];

/// Whether a parameter (or header) name looks like it carries a secret.
pub fn is_sensitive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SENSITIVE.iter().any(|s| n.contains(s))
}

/// `a=1&api_token=[redacted]`: query pairs with sensitive values masked.
pub fn redact_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v = if is_sensitive(k) {
                "[redacted]"
            } else {
                v.as_str()
            };
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A URL safe to log: user info dropped, sensitive query values masked.
pub fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.set_query(None);
    if pairs.is_empty() {
        u.to_string()
    } else {
        format!("{u}?{}", redact_pairs(&pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_the_rest_kept() {
        let u = Url::parse(
            "https://user:pw@api.example.com/v1/deals?limit=10&api_token=SECRET1&code=SECRET2&client_secret=SECRET3&Password=SECRET4&after=abc",
        )
        .unwrap();
        let r = redact_url(&u);
        assert!(!r.contains("SECRET"), "{r}");
        assert!(!r.contains("pw@"), "{r}");
        assert!(
            r.contains("limit=10") && r.contains("after=abc") && r.contains("api_token=[redacted]"),
            "{r}"
        );
        assert!(is_sensitive("Authorization"));
        assert!(!is_sensitive("limit"));
    }
}
