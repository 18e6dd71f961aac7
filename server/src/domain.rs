//! Typed values of the sign-in domain. Each validates on parse; secrets cannot be printed.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A provider's id from configuration: `[a-z0-9-]+`, used in the callback path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProviderId(String);

impl ProviderId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(value: &str) -> Result<Self, String> {
        if value.is_empty() || value.len() > Self::MAX_LEN {
            return Err(format!("must be 1 to {} characters long", Self::MAX_LEN));
        }
        if !value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("may contain only a-z, 0-9 and '-'".into());
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The subject a provider gives a person: stable per (issuer, subject), at most 255 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    pub const MAX_LEN: usize = 255;

    pub fn parse(value: &str) -> Option<Self> {
        (!value.is_empty() && value.chars().count() <= Self::MAX_LEN).then(|| Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A random value from the operating system's CSPRNG, 256 bits, base64url.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a secret token, base64url: what the database keeps instead of the token.
fn token_digest(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

pub fn equal_in_constant_time(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

macro_rules! secret_token {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(String);

        impl $name {
            pub fn generate() -> Self {
                Self(random_token())
            }

            /// Accepts a value only of the shape we generate, so junk never reaches a lookup.
            pub fn from_untrusted(value: &str) -> Option<Self> {
                (value.len() == 43
                    && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
                .then(|| Self(value.to_owned()))
            }

            pub fn expose(&self) -> &str {
                &self.0
            }

            pub fn digest(&self) -> String {
                token_digest(&self.0)
            }

            pub fn matches(&self, other: &str) -> bool {
                equal_in_constant_time(&self.0, other)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(redacted)"))
            }
        }
    };
}

secret_token!(
    /// The opaque session id in the session cookie. The database stores only its digest.
    SessionId
);
secret_token!(
    /// Identifies a sign-in transaction from the HttpOnly cookie that binds it to the browser.
    TransactionId
);
secret_token!(
    /// The OAuth `state`, compared in constant time.
    State
);
secret_token!(
    /// The OpenID Connect `nonce` bound into the ID token.
    Nonce
);

/// The S256 PKCE challenge the browser sent when the sign-in began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    pub fn parse(value: &str) -> Option<Self> {
        app::pkce::is_well_formed(value).then(|| Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the verifier the browser sent at the end hashes to this challenge.
    pub fn is_satisfied_by(&self, verifier: &CodeVerifier) -> bool {
        equal_in_constant_time(&app::pkce::challenge_s256(verifier.expose()), &self.0)
    }
}

/// The PKCE verifier: kept by the browser, or by the server for a sign-in begun by a form
/// before the wasm had loaded; sent to the token endpoint and nowhere else.
#[derive(Clone)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    pub fn parse(value: &str) -> Option<Self> {
        app::pkce::is_well_formed(value).then(|| Self(value.to_owned()))
    }

    pub fn generate() -> Self {
        let mut bytes = [0u8; app::pkce::VERIFIER_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(app::pkce::verifier_from_bytes(&bytes))
    }

    /// Its S256 challenge, which goes to the provider in the authorization request.
    pub fn challenge(&self) -> String {
        app::pkce::challenge_s256(&self.0)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier(redacted)")
    }
}

/// Seconds since the Unix epoch, the clock every stored time uses.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_ids_are_lowercase_slugs() {
        assert!(ProviderId::parse("acme-id2").is_ok());
        for bad in ["", "Acme", "a b", "a/b", "a_b", &"a".repeat(65)] {
            assert!(ProviderId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn subjects_are_bounded() {
        assert!(Subject::parse("248289761001").is_some());
        assert!(Subject::parse("").is_none());
        assert!(Subject::parse(&"x".repeat(256)).is_none());
        assert!(Subject::parse(&"x".repeat(255)).is_some());
    }

    #[test]
    fn tokens_are_fresh_well_formed_and_unprintable() {
        let a = State::generate();
        let b = State::generate();
        assert_ne!(a.expose(), b.expose());
        assert!(State::from_untrusted(a.expose()).is_some());
        assert!(State::from_untrusted("short").is_none());
        assert!(a.matches(a.expose()));
        assert!(!a.matches(b.expose()));
        assert!(!format!("{a:?}").contains(a.expose()));
        assert_ne!(a.digest(), a.expose());
    }

    #[test]
    fn pkce_challenge_check_uses_s256() {
        let verifier = CodeVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        let challenge = CodeChallenge::parse("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM").unwrap();
        assert!(challenge.is_satisfied_by(&verifier));
        let other = CodeVerifier::parse(&"a".repeat(43)).unwrap();
        assert!(!challenge.is_satisfied_by(&other));
        assert!(!format!("{verifier:?}").contains("dBjft"));
    }
}
