//! `TOKEN_KEYS`: the keys that seal provider tokens at rest, with XChaCha20-Poly1305 (random
//! 192-bit nonces, so any number of values can be sealed with one key). The first key seals;
//! every key listed opens, so a key is rotated by putting a new one first and removing the old
//! one once nothing sealed with it is left. A sealed value names its key, and is bound to its
//! identity (issuer and subject, as associated data): copied into another identity's row, it
//! does not open.

use std::fmt;

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use chacha20poly1305::{
    Key, XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::{oauth::grant::ProviderTokens, store::identity_tokens::SealedTokens};

/// The version of the sealed form, `v1.{key id}.{base64url(nonce ‖ ciphertext)}`.
const FORMAT: &str = "v1";
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;
const MAX_KEY_ID_LEN: usize = 32;

pub struct TokenKeys {
    /// In the order listed: the first seals.
    keys: Vec<(String, XChaCha20Poly1305)>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("not a sealed value of a known form")]
    Malformed,
    #[error("sealed with key {0:?}, which TOKEN_KEYS no longer lists")]
    UnknownKey(String),
    #[error("does not open: altered, or sealed for another identity")]
    Refused,
}

/// The sealed plaintext; its texts are wiped when it is dropped.
#[derive(Serialize, Deserialize)]
struct Plain {
    access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl TokenKeys {
    /// Reads `id:key, id:key, …`: each id of up to 32 letters, digits, `-` or `_`, each key 32
    /// random bytes in standard base64 (`head -c 32 /dev/urandom | base64`).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut keys: Vec<(String, XChaCha20Poly1305)> = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, key) = entry.split_once(':').ok_or_else(|| {
                "each entry must be id:key (a key id, a colon, then the key in base64)".to_owned()
            })?;
            let id = id.trim();
            let id_ok = !id.is_empty()
                && id.len() <= MAX_KEY_ID_LEN
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !id_ok {
                return Err(format!(
                    "key id {id:?} must be 1 to {MAX_KEY_ID_LEN} letters, digits, - or _"
                ));
            }
            if keys.iter().any(|(known, _)| known == id) {
                return Err(format!("key id {id:?} is listed twice"));
            }
            let bytes = Zeroizing::new(
                STANDARD
                    .decode(key.trim())
                    .map_err(|_| format!("the key of {id:?} is not standard base64"))?,
            );
            if bytes.len() != KEY_LEN {
                return Err(format!(
                    "the key of {id:?} is {} bytes; it must be {KEY_LEN} (head -c 32 /dev/urandom | base64)",
                    bytes.len()
                ));
            }
            keys.push((id.to_owned(), XChaCha20Poly1305::new(Key::from_slice(&bytes))));
        }
        if keys.is_empty() {
            return Err("no key is listed".into());
        }
        Ok(Self { keys })
    }

    /// Seals `tokens` for the identity (`issuer`, `subject`) with the first key.
    pub fn seal(&self, issuer: &str, subject: &str, tokens: &ProviderTokens) -> Option<SealedTokens> {
        let (id, cipher) = self.keys.first()?;
        let expose = |secret: &SecretString| secret.expose_secret().to_owned();
        let plain = Plain {
            access_token: expose(&tokens.access_token),
            token_secret: tokens.token_secret.as_ref().map(expose),
            refresh_token: tokens.refresh_token.as_ref().map(expose),
            expires_at: tokens.expires_at,
            scope: tokens.scope.clone(),
            id_token: tokens.id_token.as_ref().map(expose),
        };
        let plaintext = Zeroizing::new(serde_json::to_vec(&plain).ok()?);
        drop(plain);
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = associated_data(issuer, subject);
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &plaintext,
                    aad: &aad,
                },
            )
            .ok()?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Some(SealedTokens {
            text: format!("{FORMAT}.{id}.{}", URL_SAFE_NO_PAD.encode(sealed)),
            expires_at: tokens.expires_at,
        })
    }

    /// Opens what [`seal`](Self::seal) made for the identity (`issuer`, `subject`).
    pub fn open(&self, issuer: &str, subject: &str, sealed: &str) -> Result<ProviderTokens, OpenError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(FORMAT), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(OpenError::Malformed);
        };
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(known, _)| known == id)
            .ok_or_else(|| OpenError::UnknownKey(id.to_owned()))?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| OpenError::Malformed)?;
        if bytes.len() <= NONCE_LEN {
            return Err(OpenError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let aad = associated_data(issuer, subject);
        let plaintext = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(nonce),
                    Payload {
                        msg: ciphertext,
                        aad: &aad,
                    },
                )
                .map_err(|_| OpenError::Refused)?,
        );
        let mut plain: Plain = serde_json::from_slice(&plaintext).map_err(|_| OpenError::Malformed)?;
        Ok(ProviderTokens {
            access_token: SecretString::from(std::mem::take(&mut plain.access_token)),
            token_secret: plain.token_secret.take().map(SecretString::from),
            refresh_token: plain.refresh_token.take().map(SecretString::from),
            expires_at: plain.expires_at,
            scope: plain.scope.take(),
            id_token: plain.id_token.take().map(SecretString::from),
        })
    }
}

impl Drop for Plain {
    fn drop(&mut self) {
        self.access_token.zeroize();
        self.token_secret.zeroize();
        self.refresh_token.zeroize();
        self.id_token.zeroize();
    }
}

/// Binds a sealed value to one identity. The issuer's length comes first, so that no other
/// (issuer, subject) pair gives the same bytes.
fn associated_data(issuer: &str, subject: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(8 + issuer.len() + subject.len());
    aad.extend_from_slice(&(issuer.len() as u64).to_be_bytes());
    aad.extend_from_slice(issuer.as_bytes());
    aad.extend_from_slice(subject.as_bytes());
    aad
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("TokenKeys")
            .field("ids", &ids)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const KEY_B: &str = "b:HxweHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";
    const ISSUER: &str = "https://accounts.example";

    fn tokens() -> ProviderTokens {
        ProviderTokens {
            access_token: SecretString::from("at-1234567890"),
            token_secret: None,
            refresh_token: Some(SecretString::from("rt-abcdefghij")),
            expires_at: Some(1_900_000_000),
            scope: Some("openid email".into()),
            id_token: Some(SecretString::from("h.p.s")),
        }
    }

    #[test]
    fn what_is_sealed_opens_for_its_identity_only() {
        let keys = TokenKeys::parse(KEY_A).unwrap();
        let sealed = keys.seal(ISSUER, "alice", &tokens()).unwrap();
        assert!(sealed.text.starts_with("v1.a."), "{}", sealed.text);
        assert!(!sealed.text.contains("at-1234567890") && !sealed.text.contains("rt-abcdefghij"));
        assert_eq!(sealed.expires_at, Some(1_900_000_000));
        let opened = keys.open(ISSUER, "alice", &sealed.text).unwrap();
        assert_eq!(opened.access_token.expose_secret(), "at-1234567890");
        assert_eq!(opened.refresh_token.unwrap().expose_secret(), "rt-abcdefghij");
        assert_eq!(opened.id_token.unwrap().expose_secret(), "h.p.s");
        assert_eq!(opened.scope.as_deref(), Some("openid email"));
        assert_eq!(opened.expires_at, Some(1_900_000_000));
        // Moved to another identity's row, it does not open.
        assert_eq!(
            keys.open(ISSUER, "mallory", &sealed.text).err(),
            Some(OpenError::Refused)
        );
        assert_eq!(
            keys.open("https://other.example", "alice", &sealed.text).err(),
            Some(OpenError::Refused)
        );
        // Nor when altered anywhere.
        let mut altered = sealed.text.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            keys.open(ISSUER, "alice", std::str::from_utf8(&altered).unwrap())
                .err(),
            Some(OpenError::Refused)
        );
        // Each sealing draws a fresh nonce.
        assert_ne!(keys.seal(ISSUER, "alice", &tokens()).unwrap().text, sealed.text);
    }

    #[test]
    fn a_new_key_seals_and_old_keys_still_open() {
        let old = TokenKeys::parse(KEY_A).unwrap();
        let sealed_before = old.seal(ISSUER, "alice", &tokens()).unwrap();
        let rotated = TokenKeys::parse(&format!("{KEY_B}, {KEY_A}")).unwrap();
        let sealed_after = rotated.seal(ISSUER, "alice", &tokens()).unwrap();
        assert!(sealed_after.text.starts_with("v1.b."));
        assert!(rotated.open(ISSUER, "alice", &sealed_before.text).is_ok());
        assert!(rotated.open(ISSUER, "alice", &sealed_after.text).is_ok());
        // Once the old key is gone, what it sealed is named as such.
        let new_only = TokenKeys::parse(KEY_B).unwrap();
        assert_eq!(
            new_only.open(ISSUER, "alice", &sealed_before.text).err(),
            Some(OpenError::UnknownKey("a".into()))
        );
    }

    #[test]
    fn malformed_key_lists_are_refused_with_the_reason() {
        for (list, reason) in [
            ("", "no key"),
            ("   ,  ", "no key"),
            ("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "id:key"),
            ("a:not base64!", "not standard base64"),
            ("a:AAECAw==", "is 4 bytes"),
            (
                "bad id:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "letters, digits",
            ),
            (":AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "letters, digits"),
            (&format!("{KEY_A},{KEY_A}"), "listed twice"),
        ] {
            let error = TokenKeys::parse(list)
                .err()
                .unwrap_or_else(|| panic!("{list:?} accepted"));
            assert!(error.contains(reason), "{list:?}: {error}");
            assert!(!error.contains("AAECAw"), "the error shows the key: {error}");
        }
    }

    #[test]
    fn sealed_values_of_other_forms_are_refused() {
        let keys = TokenKeys::parse(KEY_A).unwrap();
        for sealed in ["", "v1", "v1.a", "v2.a.AAAA", "v1.a.!!!", "v1.a.AAAA"] {
            assert_eq!(
                keys.open(ISSUER, "alice", sealed).err(),
                Some(OpenError::Malformed),
                "{sealed:?}"
            );
        }
    }

    #[test]
    fn debug_shows_key_ids_only() {
        let keys = TokenKeys::parse(KEY_A).unwrap();
        assert_eq!(format!("{keys:?}"), r#"TokenKeys { ids: ["a"], .. }"#);
        let shown = format!("{:?}", tokens());
        assert!(
            !shown.contains("at-1234567890") && !shown.contains("rt-abcdefghij"),
            "{shown}"
        );
    }
}
