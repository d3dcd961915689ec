//! Salesforce record ids: 15 case-sensitive characters (a three-character key
//! prefix naming the object type, the pod, a base-62 counter) plus the
//! three-character suffix that makes the id case-insensitively unique.

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
/// The pod (instance) part every id of this simulated org carries.
const POD: &str = "Dn0";

/// The 18-character id of the `n`th record with this key prefix.
pub fn make(prefix: &str, n: u64) -> String {
    let mut digits = [b'0'; 9];
    let mut v = n;
    for d in digits.iter_mut().rev() {
        *d = BASE62[(v % 62) as usize];
        v /= 62;
    }
    let mut id = String::with_capacity(18);
    id.push_str(prefix);
    id.push_str(POD);
    id.push_str(std::str::from_utf8(&digits).expect("ASCII"));
    let suffix = suffix(&id);
    id.push_str(&suffix);
    id
}

/// The case-insensitivity suffix of a 15-character id: for each block of
/// five characters, which of them are upper-case letters, as one character.
pub fn suffix(id15: &str) -> String {
    id15.as_bytes()
        .chunks(5)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            SUFFIX[bits] as char
        })
        .collect()
}

/// The 18-character form of a 15- or 18-character id, or `None` when it is
/// not an id at all (Salesforce answers those with `MALFORMED_ID`).
pub fn normalise(id: &str) -> Option<String> {
    if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match id.len() {
        15 => Some(format!("{id}{}", suffix(id))),
        18 => (suffix(&id[..15]).eq_ignore_ascii_case(&id[15..]))
            .then(|| format!("{}{}", &id[..15], suffix(&id[..15]))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_and_a_valid_suffix() {
        let id = make("001", 1);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("001Dn0"));
        assert_eq!(normalise(&id).as_deref(), Some(id.as_str()));
        assert_eq!(normalise(&id[..15]).as_deref(), Some(id.as_str()));
    }

    #[test]
    fn known_suffix() {
        // a real Account id from Salesforce's documentation
        assert_eq!(suffix("001D000000IqhSL"), "IAZ");
    }

    #[test]
    fn rejects_non_ids() {
        assert_eq!(normalise("001Dn0000000001XXX"), None);
        assert_eq!(normalise("not-an-id"), None);
        assert_eq!(normalise("001"), None);
    }
}
