//! AES-256-GCM sealing of token sets, and loading the master key.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};
use std::path::Path;

use aes_gcm::aead::{Aead, Generate, KeyInit, Nonce, Payload};
use aes_gcm::{Aes256Gcm, Key};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::{TokenSet, VaultError};

/// The environment variable holding the master key (32 bytes, hex or base64).
pub const MASTER_KEY_ENV: &str = "LEDGERBRIDGE_MASTER_KEY";

/// Format marker of sealed bytes (version 1). A future format bumps it, so
/// old rows can still be told apart and opened.
const MAGIC: &[u8; 4] = b"LBv1";
const KEY_ID_LEN: usize = 4;
const NONCE_LEN: usize = 12;
const HEADER_LEN: usize = MAGIC.len() + KEY_ID_LEN + NONCE_LEN;
const TAG_LEN: usize = 16;

/// Seals [`TokenSet`]s with AES-256-GCM under the master key.
///
/// Layout of sealed bytes: `"LBv1" | key id (4) | nonce (12) | ciphertext+tag`.
/// - The nonce is random per seal (96 random bits; a repeat under one key is
///   negligible at the few thousand refreshes a year a connection sees).
/// - The key id is a 4-byte SHA-256 fingerprint of the key, so opening with
///   another key says "different master key" instead of a bare
///   authentication failure. It reveals nothing usable about a 256-bit key.
/// - The associated data binds the header and the connection name: bytes
///   copied from one connection's row into another's refuse to open.
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
    key_id: [u8; KEY_ID_LEN],
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("key_id", &hex::encode(self.key_id))
            .finish_non_exhaustive()
    }
}

/// The plaintext form inside the seal. Private: nothing else may serialize tokens.
#[derive(Serialize, Deserialize)]
struct Plain {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    scopes: Vec<String>,
    extra: BTreeMap<String, String>,
}

impl Drop for Plain {
    fn drop(&mut self) {
        self.access_token.zeroize();
        if let Some(r) = self.refresh_token.as_mut() {
            r.zeroize();
        }
    }
}

impl Sealer {
    /// A sealer for a raw 32-byte key.
    pub fn from_key(key: &[u8; 32]) -> Self {
        let key_id = key_id(key);
        Sealer {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key)),
            key_id,
        }
    }

    /// Parses a key written as 64 hex characters or as base64 (standard or
    /// URL-safe alphabet, padded or not). `origin` names where it came from
    /// in error messages (the variable name or the file path) — the key
    /// itself never appears in an error.
    pub fn parse_key(text: &str, origin: &str) -> Result<Self, VaultError> {
        let bad = |reason: String| VaultError::BadKey {
            origin: origin.to_string(),
            reason,
        };
        let t = text.trim();
        if t.is_empty() {
            return Err(bad("it is empty".into()));
        }
        let mut bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(t).map_err(|e| bad(format!("invalid hex: {e}")))?
        } else {
            use base64::engine::general_purpose::{
                STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
            };
            [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
                .iter()
                .find_map(|e| e.decode(t).ok())
                .ok_or_else(|| {
                    bad(format!(
                        "{} characters that are neither 64 hex digits nor valid base64",
                        t.len()
                    ))
                })?
        };
        if bytes.len() != 32 {
            let n = bytes.len();
            bytes.zeroize();
            return Err(bad(format!("it decodes (as base64) to {n} bytes, not 32")));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes);
        bytes.zeroize();
        let sealer = Sealer::from_key(&key);
        key.zeroize();
        Ok(sealer)
    }

    /// The key the way production runs: [`MASTER_KEY_ENV`] when set and not
    /// empty, otherwise the key file at `key_file` (created with a new random
    /// key and mode 0600 when missing). `None` and no variable → [`VaultError::NoKey`].
    pub fn from_env_or_file(key_file: Option<&Path>) -> Result<Self, VaultError> {
        let env = std::env::var(MASTER_KEY_ENV).ok();
        Self::resolve(env.as_deref(), key_file)
    }

    /// [`Sealer::from_env_or_file`] with the variable's value passed in, so
    /// tests need not touch the process environment.
    pub fn resolve(env_value: Option<&str>, key_file: Option<&Path>) -> Result<Self, VaultError> {
        match (env_value.filter(|v| !v.trim().is_empty()), key_file) {
            (Some(v), _) => Self::parse_key(v, MASTER_KEY_ENV),
            (None, Some(path)) => Self::from_key_file(path),
            (None, None) => Err(VaultError::NoKey),
        }
    }

    /// Reads the key file, or creates it with a fresh random key (hex, mode
    /// 0600) when it does not exist. An existing file that group or others
    /// can read is refused, as ssh refuses a readable private key: anyone who
    /// can read it can open every stored token.
    pub fn from_key_file(path: &Path) -> Result<Self, VaultError> {
        let file_err = |reason: String| VaultError::KeyFile {
            path: path.to_path_buf(),
            reason,
        };
        if !path.exists() {
            match create_key_file(path) {
                Ok(()) => {}
                // another process created it first: read theirs
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(file_err(format!("cannot create it: {e}"))),
            }
        }
        check_private(path).map_err(file_err)?;
        // a concurrent creator may not have written the key yet
        for _ in 0..20 {
            let mut text = String::new();
            std::fs::File::open(path)
                .and_then(|mut f| f.read_to_string(&mut text))
                .map_err(|e| file_err(format!("cannot read it: {e}")))?;
            if !text.trim().is_empty() {
                let sealer = Self::parse_key(&text, &path.display().to_string());
                text.zeroize();
                return sealer;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        Err(file_err("it is empty".into()))
    }

    /// Short hex fingerprint of the key (safe to log; used in errors).
    pub fn key_id(&self) -> String {
        hex::encode(self.key_id)
    }

    /// Seals a connection's tokens. The connection name is authenticated
    /// with them, so the bytes open only under the same name.
    pub fn seal(&self, connection: &str, tokens: &TokenSet) -> Result<Vec<u8>, VaultError> {
        let plain = Plain {
            access_token: tokens.access_token.expose_secret().to_string(),
            refresh_token: tokens
                .refresh_token
                .as_ref()
                .map(|r| r.expose_secret().to_string()),
            expires_at: tokens.expires_at,
            scopes: tokens.scopes.clone(),
            extra: tokens.extra.clone(),
        };
        let mut json = serde_json::to_vec(&plain).map_err(|e| VaultError::Corrupt {
            connection: connection.to_string(),
            reason: format!("cannot encode tokens: {e}"),
        })?;
        drop(plain);
        let nonce = Nonce::<Aes256Gcm>::generate();
        let mut out = Vec::with_capacity(HEADER_LEN + json.len() + TAG_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.key_id);
        out.extend_from_slice(&nonce);
        let aad = aad(&out[..MAGIC.len() + KEY_ID_LEN], connection);
        let sealed = self.cipher.encrypt(
            &nonce,
            Payload {
                msg: &json,
                aad: &aad,
            },
        );
        json.zeroize();
        let ciphertext = sealed.map_err(|_| VaultError::Corrupt {
            connection: connection.to_string(),
            reason: "encryption failed".into(),
        })?;
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// Opens bytes made by [`Sealer::seal`] for the same connection.
    ///
    /// Errors, never panics: a different key gives [`VaultError::WrongKey`]
    /// (with both fingerprints), anything else that fails to authenticate
    /// gives [`VaultError::Corrupt`].
    pub fn open(&self, connection: &str, sealed: &[u8]) -> Result<TokenSet, VaultError> {
        let corrupt = |reason: &str| VaultError::Corrupt {
            connection: connection.to_string(),
            reason: reason.to_string(),
        };
        if sealed.len() < HEADER_LEN + TAG_LEN {
            return Err(corrupt("too short to be sealed tokens"));
        }
        if &sealed[..MAGIC.len()] != MAGIC {
            return Err(corrupt("not in the sealed-token format (LBv1)"));
        }
        let kid = &sealed[MAGIC.len()..MAGIC.len() + KEY_ID_LEN];
        if kid != self.key_id {
            return Err(VaultError::WrongKey {
                connection: connection.to_string(),
                sealed_with: hex::encode(kid),
                current: self.key_id(),
            });
        }
        let nonce = Nonce::<Aes256Gcm>::try_from(&sealed[MAGIC.len() + KEY_ID_LEN..HEADER_LEN])
            .map_err(|_| corrupt("bad nonce"))?;
        let aad = aad(&sealed[..MAGIC.len() + KEY_ID_LEN], connection);
        let mut json = self
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &sealed[HEADER_LEN..],
                    aad: &aad,
                },
            )
            .map_err(|_| {
                corrupt("authentication failed (damaged, tampered with, or sealed for another connection)")
            })?;
        let plain: Result<Plain, _> = serde_json::from_slice(&json);
        json.zeroize();
        let plain = plain.map_err(|e| corrupt(&format!("unreadable contents: {e}")))?;
        Ok(TokenSet {
            access_token: SecretString::from(plain.access_token.clone()),
            refresh_token: plain.refresh_token.clone().map(SecretString::from),
            expires_at: plain.expires_at,
            scopes: plain.scopes.clone(),
            extra: plain.extra.clone(),
        })
    }
}

fn key_id(key: &[u8; 32]) -> [u8; KEY_ID_LEN] {
    let mut h = sha2::Sha256::new();
    h.update(b"ledgerbridge vault key id\0");
    h.update(key);
    let d = h.finalize();
    let mut id = [0u8; KEY_ID_LEN];
    id.copy_from_slice(&d[..KEY_ID_LEN]);
    id
}

fn aad(header: &[u8], connection: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + connection.len());
    aad.extend_from_slice(header);
    aad.extend_from_slice(connection.as_bytes());
    aad
}

fn create_key_file(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    let mut key = <[u8; 32]>::generate();
    let mut text = hex::encode(key);
    key.zeroize();
    text.push('\n');
    let written = f.write_all(text.as_bytes()).and_then(|()| f.sync_all());
    text.zeroize();
    written
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("cannot read it: {e}"))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "it is readable by group or others (mode {:o}); run `chmod 600` on it",
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::{MemoryVault, TokenVault};

    fn tokens() -> TokenSet {
        let mut t = TokenSet::new("at-PLAINTEXT-ACCESS-0123456789");
        t.refresh_token = Some(SecretString::from("rt-PLAINTEXT-REFRESH-9876543210"));
        t.expires_at = Some(Utc::now());
        t.scopes = vec!["accounting.transactions".into()];
        t.extra.insert("tenant_id".into(), "tenant-1".into());
        t
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn temp_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir()
            .join(format!("lb-sdk-vault-{}", uuid::Uuid::new_v4()))
            .join(name)
    }

    #[test]
    fn round_trip_and_no_plaintext_in_sealed_bytes() {
        let s = Sealer::from_key(&[7u8; 32]);
        let t = tokens();
        let a = s.seal("xero-main", &t).unwrap();
        let b = s.seal("xero-main", &t).unwrap();
        assert_ne!(a, b, "a fresh nonce per seal");
        for needle in [
            "at-PLAINTEXT-ACCESS-0123456789",
            "rt-PLAINTEXT-REFRESH-9876543210",
            "PLAINTEXT",
            "tenant-1",
        ] {
            assert!(!contains(&a, needle.as_bytes()), "{needle} leaked");
        }
        let back = s.open("xero-main", &a).unwrap();
        assert_eq!(
            back.access_token.expose_secret(),
            "at-PLAINTEXT-ACCESS-0123456789"
        );
        assert_eq!(
            back.refresh_token.unwrap().expose_secret(),
            "rt-PLAINTEXT-REFRESH-9876543210"
        );
        assert_eq!(back.expires_at, t.expires_at);
        assert_eq!(back.scopes, t.scopes);
        assert_eq!(back.extra, t.extra);
    }

    #[test]
    fn wrong_key_is_a_clear_error() {
        let sealed = Sealer::from_key(&[1u8; 32]).seal("c", &tokens()).unwrap();
        let other = Sealer::from_key(&[2u8; 32]);
        match other.open("c", &sealed).unwrap_err() {
            e @ VaultError::WrongKey { .. } => {
                let msg = e.to_string();
                assert!(msg.contains("different master key"), "{msg}");
                assert!(msg.contains("ledgerbridge connect c"), "{msg}");
            }
            e => panic!("expected WrongKey, got {e:?}"),
        }
    }

    #[test]
    fn tampering_truncation_and_swapping_connections_are_errors() {
        let s = Sealer::from_key(&[3u8; 32]);
        let mut sealed = s.seal("a", &tokens()).unwrap();
        assert!(matches!(
            s.open("b", &sealed),
            Err(VaultError::Corrupt { .. })
        ));
        assert!(matches!(
            s.open("a", &sealed[..10]),
            Err(VaultError::Corrupt { .. })
        ));
        assert!(matches!(
            s.open("a", b"not sealed at all, clearly"),
            Err(VaultError::Corrupt { .. })
        ));
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(matches!(
            s.open("a", &sealed),
            Err(VaultError::Corrupt { .. })
        ));
    }

    #[test]
    fn keys_parse_from_hex_and_base64_and_errors_name_the_format() {
        let key = [9u8; 32];
        let hex_key = hex::encode(key);
        let b64 = base64::engine::general_purpose::STANDARD.encode(key);
        let a = Sealer::parse_key(&hex_key, MASTER_KEY_ENV).unwrap();
        let b = Sealer::parse_key(&format!("{b64}\n"), MASTER_KEY_ENV).unwrap();
        assert_eq!(a.key_id(), b.key_id());
        assert_eq!(a.key_id(), Sealer::from_key(&key).key_id());

        let e = Sealer::parse_key("abc123", MASTER_KEY_ENV)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(MASTER_KEY_ENV) && e.contains("64 hex") && e.contains("base64"),
            "{e}"
        );
        // 16 bytes of valid base64: the length is the problem and the message says so
        let short = base64::engine::general_purpose::STANDARD.encode([1u8; 16]);
        let e = Sealer::parse_key(&short, "/etc/lb.key")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("16 bytes, not 32") && e.contains("/etc/lb.key"),
            "{e}"
        );
        assert!(!e.contains(&short), "the key never appears in errors");
        assert_eq!(Sealer::resolve(None, None).unwrap_err(), VaultError::NoKey);
    }

    #[test]
    fn env_value_wins_over_the_key_file() {
        let path = temp_path("master.key");
        let env = hex::encode([4u8; 32]);
        let s = Sealer::resolve(Some(&env), Some(&path)).unwrap();
        assert_eq!(s.key_id(), Sealer::from_key(&[4u8; 32]).key_id());
        assert!(
            !path.exists(),
            "no key file is created when the variable is set"
        );
        // an empty variable counts as unset
        let f = Sealer::resolve(Some("  "), Some(&path)).unwrap();
        assert!(path.exists());
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
        drop(f);
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_created_0600_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp_path("keys/master.key");
        let first = Sealer::from_key_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = Sealer::from_key_file(&path).unwrap();
        assert_eq!(first.key_id(), again.key_id(), "the same key is read back");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Sealer::from_key_file(&path).unwrap_err().to_string();
        assert!(e.contains("chmod 600") && e.contains("644"), "{e}");
        std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
    }

    #[tokio::test]
    async fn memory_vault_stores_only_sealed_bytes() {
        let vault = MemoryVault::new(Sealer::from_key(&[5u8; 32]));
        assert!(vault.load("c").await.unwrap().is_none());
        vault.store("c", &tokens()).await.unwrap();
        let raw = vault.sealed_bytes("c").unwrap();
        assert!(!contains(&raw, b"PLAINTEXT"));
        let back = vault.load("c").await.unwrap().unwrap();
        assert_eq!(
            back.access_token.expose_secret(),
            "at-PLAINTEXT-ACCESS-0123456789"
        );

        // the same bytes under a vault with another key: a clear error, no panic
        let other = MemoryVault::new(Sealer::from_key(&[6u8; 32]));
        other.insert_sealed("c", raw);
        let e = other.load("c").await.unwrap_err();
        assert!(matches!(e, VaultError::WrongKey { .. }));
        let ce: crate::ConnectorError = e.into();
        assert_eq!(ce.kind, crate::ErrorKind::Config);
    }
}
