//! PKCE (RFC 7636) with the S256 method only.
//!
//! The verifier is made in the browser; the server recomputes the challenge from the verifier it
//! receives at the end of the sign-in, before it spends the authorization code.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// 32 random bytes give the 43-character verifier RFC 7636 recommends.
pub const VERIFIER_BYTES: usize = 32;
pub const VERIFIER_LEN: usize = 43;

/// The S256 challenge of a verifier: base64url(SHA-256(verifier)), unpadded.
pub fn challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Encodes random bytes as a verifier.
pub fn verifier_from_bytes(bytes: &[u8; VERIFIER_BYTES]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether a string has the shape of a verifier or challenge we issue: 43 base64url characters.
pub fn is_well_formed(value: &str) -> bool {
    value.len() == VERIFIER_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            challenge_s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_43_base64url_characters() {
        let verifier = verifier_from_bytes(&[0xff; VERIFIER_BYTES]);
        assert_eq!(verifier.len(), VERIFIER_LEN);
        assert!(is_well_formed(&verifier));
        assert!(is_well_formed(&challenge_s256(&verifier)));
    }

    #[test]
    fn malformed_values_are_refused() {
        assert!(!is_well_formed(""));
        assert!(!is_well_formed(&"a".repeat(42)));
        assert!(!is_well_formed(&"a".repeat(44)));
        assert!(!is_well_formed(&format!("{}=", "a".repeat(42))));
        assert!(!is_well_formed(&format!("{}+", "a".repeat(42))));
    }
}
