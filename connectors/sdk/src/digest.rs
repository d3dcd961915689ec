//! SHA-256 as lowercase hex: the one spelling of a content hash, an idempotency key's
//! digest or a payload's fingerprint, in the engine and in every connector.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes`, lowercase hex (64 characters).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_the_published_test_vector() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
