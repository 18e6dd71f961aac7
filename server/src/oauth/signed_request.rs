//! Facebook's `signed_request`, which its data-deletion and deauthorize callbacks POST:
//! `base64url(signature).base64url(payload)`, the signature HMAC-SHA256 of the encoded payload
//! keyed with the app secret, the payload JSON with `algorithm`, `issued_at` and `user_id`
//! (the app-scoped id the identity is keyed by).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// A request issued further from now than this (seconds) is refused: a captured one stops
/// working soon, and the deletion it asks for is done at once anyway.
const MAX_AGE: i64 = 3600;
/// Clock difference allowed between Facebook and us.
const SKEW: i64 = 300;
/// Requests are small; anything larger is not one.
const MAX_LEN: usize = 8 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignedRequestError {
    #[error("not a signed request")]
    Malformed,
    #[error("the signature is not the app's")]
    Signature,
    #[error("the algorithm is not HMAC-SHA256")]
    Algorithm,
    #[error("issued_at is missing, in the future or too old")]
    IssuedAt,
    #[error("no user_id")]
    NoUser,
}

/// The `user_id` of a request signed with `app_secret`, checked at `now` (Unix seconds).
pub fn user_of(signed_request: &str, app_secret: &str, now: i64) -> Result<String, SignedRequestError> {
    use SignedRequestError as E;
    if signed_request.len() > MAX_LEN {
        return Err(E::Malformed);
    }
    let (signature, payload) = signed_request.split_once('.').ok_or(E::Malformed)?;
    // Facebook pads some of its base64url; the padding carries nothing.
    let signature = URL_SAFE_NO_PAD
        .decode(signature.trim_end_matches('='))
        .map_err(|_| E::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).map_err(|_| E::Signature)?;
    mac.update(payload.as_bytes());
    // Constant time, as `verify_slice` compares.
    mac.verify_slice(&signature).map_err(|_| E::Signature)?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| E::Malformed)?;
    let payload: Value = serde_json::from_slice(&payload).map_err(|_| E::Malformed)?;
    if !payload["algorithm"]
        .as_str()
        .is_some_and(|a| a.eq_ignore_ascii_case("HMAC-SHA256"))
    {
        return Err(E::Algorithm);
    }
    let issued_at = payload["issued_at"].as_i64().ok_or(E::IssuedAt)?;
    if issued_at > now + SKEW || now - issued_at > MAX_AGE {
        return Err(E::IssuedAt);
    }
    payload["user_id"]
        .as_str()
        .filter(|id| !id.is_empty() && id.len() <= 255)
        .map(str::to_owned)
        .ok_or(E::NoUser)
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A request as Facebook signs it.
    pub fn signed(payload: &Value, app_secret: &str) -> String {
        let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
        let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).unwrap();
        mac.update(payload.as_bytes());
        format!(
            "{}.{payload}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    const NOW: i64 = 1_765_000_000;

    fn payload(issued_at: i64) -> Value {
        serde_json::json!({ "algorithm": "HMAC-SHA256", "issued_at": issued_at, "user_id": "10223372036854775" })
    }

    #[test]
    fn a_request_signed_with_the_app_secret_names_its_user() {
        assert_eq!(
            user_of(&signed(&payload(NOW - 10), "app-secret"), "app-secret", NOW).as_deref(),
            Ok("10223372036854775")
        );
    }

    #[test]
    fn forged_old_and_odd_requests_are_refused() {
        use SignedRequestError as E;
        let good = signed(&payload(NOW), "app-secret");
        assert_eq!(user_of(&good, "another-secret", NOW), Err(E::Signature));
        let (signature, body) = good.split_once('.').unwrap();
        let mut tampered: Vec<u8> = URL_SAFE_NO_PAD.decode(body).unwrap();
        tampered[3] ^= 1;
        assert_eq!(
            user_of(
                &format!("{signature}.{}", URL_SAFE_NO_PAD.encode(tampered)),
                "app-secret",
                NOW
            ),
            Err(E::Signature)
        );
        assert_eq!(
            user_of(&signed(&payload(NOW - 7200), "app-secret"), "app-secret", NOW),
            Err(E::IssuedAt)
        );
        assert_eq!(
            user_of(&signed(&payload(NOW + 3600), "app-secret"), "app-secret", NOW),
            Err(E::IssuedAt)
        );
        let mut other = payload(NOW);
        other["algorithm"] = "none".into();
        assert_eq!(
            user_of(&signed(&other, "app-secret"), "app-secret", NOW),
            Err(E::Algorithm)
        );
        let mut nobody = payload(NOW);
        nobody["user_id"] = "".into();
        assert_eq!(
            user_of(&signed(&nobody, "app-secret"), "app-secret", NOW),
            Err(E::NoUser)
        );
        assert_eq!(user_of("no-dot", "app-secret", NOW), Err(E::Malformed));
    }

    proptest! {
        #[test]
        fn any_text_is_refused_without_panicking(text in "\\PC{0,300}") {
            prop_assert!(user_of(&text, "app-secret", NOW).is_err());
        }
    }
}
