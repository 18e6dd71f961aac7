//! Apple's server-to-server notifications: a JWT POSTed as `{"payload": "<jwt>"}`, checked as a
//! logout token is (signature with Apple's keys, `iss`, `aud` = our Services ID, `iat`, a
//! `jti` for refusing replays), whose `events` claim is a JSON object written as a string:
//! `{"type", "sub", "event_time", "email", "is_private_email"}`.

use serde_json::Value;

use super::{
    Metadata,
    provider_jwt::{self, MAX_AGE, ProviderJwtError, SKEW, Trust},
};

/// What happened to the person's Apple account, for this app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppleEventKind {
    /// They stopped using Sign in with Apple here: the grant is dropped and their sessions end.
    ConsentRevoked,
    /// They deleted their Apple account: the identity is removed.
    AccountDeleted,
    /// Mail to their private relay address is no longer forwarded.
    EmailDisabled,
    /// Forwarding is on again.
    EmailEnabled,
}

#[derive(Debug, PartialEq, Eq)]
pub struct AppleEvent {
    pub kind: AppleEventKind,
    pub subject: String,
    pub jti: String,
    /// Until when the `jti` must be remembered.
    pub remember_until: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AppleEventError {
    #[error(transparent)]
    Token(#[from] ProviderJwtError),
    #[error("jti is missing")]
    NoId,
    #[error("events is missing or not a JSON object")]
    NoEvents,
    #[error("unknown event type")]
    UnknownType,
    #[error("the event names no sub")]
    NoSubject,
}

/// Checks `payload` as Apple (the provider of `metadata`) sends it to `client_id`, at `now`.
pub fn verify(
    payload: &str,
    metadata: &Metadata,
    client_id: &str,
    now: i64,
) -> Result<AppleEvent, AppleEventError> {
    use AppleEventError as E;
    let checked = provider_jwt::check(payload, Trust::of(metadata), client_id, now, MAX_AGE)?;
    let jti = checked.text("jti").ok_or(E::NoId)?.to_owned();
    // Apple writes the object as a string; an object as such is read too.
    let events = match checked.claims.get("events") {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).map_err(|_| E::NoEvents)?,
        Some(object @ Value::Object(_)) => object.clone(),
        _ => return Err(E::NoEvents),
    };
    let events = events.as_object().ok_or(E::NoEvents)?;
    let kind = match events.get("type").and_then(Value::as_str) {
        Some("consent-revoked") => AppleEventKind::ConsentRevoked,
        Some("account-delete") => AppleEventKind::AccountDeleted,
        Some("email-disabled") => AppleEventKind::EmailDisabled,
        Some("email-enabled") => AppleEventKind::EmailEnabled,
        _ => return Err(E::UnknownType),
    };
    let subject = events
        .get("sub")
        .and_then(Value::as_str)
        .filter(|sub| !sub.is_empty() && sub.len() <= 255)
        .ok_or(E::NoSubject)?
        .to_owned();
    Ok(AppleEvent {
        kind,
        subject,
        jti,
        remember_until: checked.iat + MAX_AGE + SKEW,
    })
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use proptest::prelude::*;

    use super::*;

    fn metadata() -> Metadata {
        serde_json::from_value(serde_json::json!({
            "issuer": "https://appleid.apple.com",
            "authorization_endpoint": "https://appleid.apple.com/auth/authorize",
            "jwks_uri": "https://appleid.apple.com/auth/keys",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }))
        .unwrap()
    }

    proptest! {
        #[test]
        fn any_text_is_refused_without_panicking(token in "\\PC{0,400}", now in any::<i64>()) {
            prop_assert!(verify(&token, &metadata(), "com.example.web", now).is_err());
        }

        #[test]
        fn unsigned_claims_are_refused_whatever_they_say(claims in prop::collection::vec(any::<u8>(), 0..300)) {
            let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#);
            let token = format!("{header}.{}.{}", URL_SAFE_NO_PAD.encode(&claims), URL_SAFE_NO_PAD.encode(b"sig"));
            prop_assert!(verify(&token, &metadata(), "com.example.web", 0).is_err());
        }
    }
}
