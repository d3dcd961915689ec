//! Our references as QuickBooks can hold them, and the `requestid` of a write.
//!
//! `DocNumber` and `PaymentRefNum` hold at most 21 characters. A reference that
//! fits is written as is; a longer one gets a short form that keeps its first 12
//! characters (so a person still recognises it), a `~`, and 8 characters of a
//! SHA-256 digest of the whole reference (40 bits): two long references share a
//! short form only if they share those 12 characters and, by chance, the digest.
//! Lookups shorten the references they are asked for the same way and answer with
//! the reference asked for, so the engine never sees the short form.
//!
//! `requestid` (QuickBooks replays the first answer to a repeated one) is at most 36
//! characters on `/batch`: `lb` and 34 hex digits of a digest of the batch's
//! idempotency keys in order, so the same batch resent after a crash replays.

use sha2::{Digest, Sha256};

use crate::config::MAX_REFERENCE_LEN;

/// Characters of the original a short form keeps.
const KEPT: usize = 12;
/// Digits of the digest a short form carries.
const DIGEST_CHARS: usize = 8;
/// Crockford's base32 alphabet: no I, L, O, U to misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `reference` as stored: itself if it fits, else its short form.
pub fn stored(reference: &str) -> String {
    if reference.chars().count() <= MAX_REFERENCE_LEN {
        return reference.to_string();
    }
    let digest = Sha256::digest(reference.as_bytes());
    // 40 bits from the first five bytes, five bits per character
    let mut bits: u64 = digest[..5].iter().fold(0, |a, b| (a << 8) | u64::from(*b));
    let mut tail = [0u8; DIGEST_CHARS];
    for c in tail.iter_mut().rev() {
        *c = ALPHABET[(bits & 31) as usize];
        bits >>= 5;
    }
    let kept: String = reference.chars().take(KEPT).collect();
    format!(
        "{kept}~{}",
        std::str::from_utf8(&tail).expect("the alphabet is ASCII")
    )
}

/// The `requestid` of a batch whose items carry these idempotency keys, in order.
pub fn request_id(keys: &[&str]) -> String {
    let mut h = Sha256::new();
    for k in keys {
        h.update(k.as_bytes());
        h.update([0]);
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("lb{}", &hex[..34])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_references_stay_long_ones_shrink_apart() {
        assert_eq!(stored("HS-12345678901"), "HS-12345678901");
        let a = stored("HS-PAY-123456789012-1500.00");
        let b = stored("HS-PAY-123456789012-1500.50");
        assert_eq!(a.chars().count(), MAX_REFERENCE_LEN);
        assert!(a.starts_with("HS-PAY-12345~"), "{a}");
        assert_ne!(a, b);
        assert_eq!(a, stored("HS-PAY-123456789012-1500.00"));
        assert_eq!(stored("exactly-twenty-one-ch"), "exactly-twenty-one-ch");
    }

    #[test]
    fn request_ids_fit_a_batch_and_follow_the_keys() {
        let r = request_id(&["k1", "k2"]);
        assert_eq!(r.len(), 36);
        assert_eq!(r, request_id(&["k1", "k2"]));
        assert_ne!(r, request_id(&["k2", "k1"]));
        assert_ne!(r, request_id(&["k1k2"]));
    }
}
