//! The logout token of OpenID Connect Back-Channel Logout 1.0 (section 2.4), checked as
//! section 2.6 says: signed by the provider with an asymmetric key from its JWKS, `iss` the
//! provider, `aud` this client, `iat` recent, `exp` not passed, a `jti`, the back-channel
//! logout event, no `nonce`, and a `sub` or a `sid` to say whose sessions end. That the `jti`
//! was not seen before is the caller's check (it needs the database).

use serde_json::Value;

use super::{
    Metadata,
    provider_jwt::{self, MAX_AGE, ProviderJwtError, SKEW, Trust},
};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// Whose sessions a valid logout token ends, and its id (for refusing a replay).
#[derive(Debug, PartialEq, Eq)]
pub struct LogoutOrder {
    pub ends: Ends,
    pub jti: String,
    /// Until when the `jti` must be remembered.
    pub expires_at: i64,
}

/// The sessions a logout token names: those of one provider session (`sid`, of `subject` when
/// given), or every session of one `subject`.
#[derive(Debug, PartialEq, Eq)]
pub enum Ends {
    ProviderSession { sid: String, subject: Option<String> },
    Subject(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LogoutTokenError {
    #[error(transparent)]
    Token(#[from] ProviderJwtError),
    #[error("exp is missing or passed")]
    Expired,
    #[error("jti is missing")]
    NoId,
    #[error("not a back-channel logout event")]
    NotALogoutEvent,
    #[error("a logout token must not carry a nonce")]
    Nonce,
    #[error("names neither sub nor sid")]
    NoSubjectOrSession,
}

/// Checks `token` as sent by the provider of `metadata`, for `client_id`, at `now`.
pub fn verify(
    token: &str,
    metadata: &Metadata,
    client_id: &str,
    now: i64,
) -> Result<LogoutOrder, LogoutTokenError> {
    use LogoutTokenError as E;
    let checked = provider_jwt::check(token, Trust::of(metadata), client_id, now, MAX_AGE)?;
    let (claims, iat) = (&checked.claims, checked.iat);
    let text = |name: &str| checked.text(name);
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    let exp = number("exp").ok_or(E::Expired)?;
    if exp + SKEW <= now {
        return Err(E::Expired);
    }
    let jti = text("jti").ok_or(E::NoId)?.to_owned();
    let is_logout_event = claims
        .get("events")
        .and_then(Value::as_object)
        .and_then(|events| events.get(EVENT))
        .is_some_and(Value::is_object);
    if !is_logout_event {
        return Err(E::NotALogoutEvent);
    }
    if claims.contains_key("nonce") {
        return Err(E::Nonce);
    }
    let subject = text("sub").map(str::to_owned);
    let ends = match (text("sid"), subject) {
        (Some(sid), subject) => Ends::ProviderSession {
            sid: sid.to_owned(),
            subject,
        },
        (None, Some(subject)) => Ends::Subject(subject),
        (None, None) => return Err(E::NoSubjectOrSession),
    };
    Ok(LogoutOrder {
        ends,
        jti,
        expires_at: exp.max(iat + MAX_AGE) + SKEW,
    })
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use proptest::prelude::*;

    use super::*;

    fn metadata() -> Metadata {
        serde_json::from_value(serde_json::json!({
            "issuer": "https://id.example",
            "authorization_endpoint": "https://id.example/authorize",
            "jwks_uri": "https://id.example/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }))
        .unwrap()
    }

    fn part(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    proptest! {
        #[test]
        fn any_text_is_refused_without_panicking(token in "\\PC{0,400}", now in any::<i64>()) {
            prop_assert!(verify(&token, &metadata(), "client", now).is_err());
        }

        #[test]
        fn any_three_parts_are_refused_without_panicking(
            header in prop::collection::vec(any::<u8>(), 0..200),
            claims in prop::collection::vec(any::<u8>(), 0..400),
            signature in prop::collection::vec(any::<u8>(), 0..300),
            alg in prop::sample::select(vec!["RS256", "HS256", "none", "ES256", "EdDSA", "x"]),
        ) {
            let metadata = metadata();
            let raw = format!("{}.{}.{}", part(&header), part(&claims), part(&signature));
            prop_assert!(verify(&raw, &metadata, "client", 0).is_err());
            // A well-formed header with any claims: no key verifies, and nothing panics.
            let header = serde_json::json!({ "alg": alg, "kid": "k" }).to_string();
            let shaped = format!("{}.{}.{}", part(header.as_bytes()), part(&claims), part(&signature));
            prop_assert!(verify(&shaped, &metadata, "client", 0).is_err());
        }
    }
}
