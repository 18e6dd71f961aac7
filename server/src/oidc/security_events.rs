//! Security Event Tokens (RFC 8417) that Google's Cross-Account Protection (the OpenID RISC
//! profile) pushes to us. Each is a JWT signed with a key of the JWKS that Google's RISC
//! configuration document names, whose `iss` is that document's issuer, `aud` our client id,
//! with a `jti` and an `events` object mapping each event type's URI to what it says: the
//! `subject` it concerns and, for some, a `reason` or a `state`.
//!
//! They carry no `exp`: they tell of past events, and Google redelivers one it believes was
//! missed, so a token up to a day old is taken (and its `jti` remembered as long).

use http::{Method, Request, header};
use openidconnect::{JsonWebKeySet, JsonWebKeySetUrl, core::CoreJsonWebKey};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::provider_jwt::{self, ProviderJwtError, SKEW, Trust};
use crate::provider_http::{ProviderHttp, error_chain};

/// The oldest security event token taken, in seconds.
pub const MAX_AGE: i64 = 24 * 3600;
/// Where a RISC transmitter publishes its configuration, under its issuer.
pub const CONFIGURATION_PATH: &str = "/.well-known/risc-configuration";

const RISC: &str = "https://schemas.openid.net/secevent/risc/event-type/";
const OAUTH: &str = "https://schemas.openid.net/secevent/oauth/event-type/";

/// The issuer and keys of a RISC configuration document.
#[derive(Debug)]
pub struct RiscTrust {
    pub issuer: String,
    pub keys: Vec<CoreJsonWebKey>,
}

impl RiscTrust {
    fn trust(&self) -> Trust<'_> {
        Trust {
            issuer: &self.issuer,
            keys: &self.keys,
        }
    }
}

#[derive(Deserialize)]
struct Configuration {
    issuer: String,
    jwks_uri: url::Url,
}

/// Fetches the RISC configuration document at `url` and the keys it names.
pub async fn fetch_trust(url: &str, http: &ProviderHttp) -> Result<RiscTrust, String> {
    let request = Request::builder()
        .method(Method::GET)
        .uri(url)
        .header(header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    let response = http.execute(request).await?;
    if !response.status().is_success() {
        return Err(format!("{url} answered {}", response.status()));
    }
    let configuration: Configuration =
        serde_json::from_slice(response.body()).map_err(|e| format!("{url}: {e}"))?;
    let keys: JsonWebKeySet<CoreJsonWebKey> =
        JsonWebKeySet::fetch_async(&JsonWebKeySetUrl::from_url(configuration.jwks_uri), http)
            .await
            .map_err(|e| error_chain(&e))?;
    Ok(RiscTrust {
        issuer: configuration.issuer,
        keys: keys.keys().clone(),
    })
}

/// What Google says happened to a person's Google Account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RiscEvent {
    /// Their sessions at Google were ended: ours made with that account end too.
    SessionsRevoked,
    /// They withdrew this app's access: the grant is dropped and the sessions end.
    TokensRevoked,
    /// One refresh token was revoked, named by a prefix or hash we cannot match (grants are
    /// kept sealed): answered, and logged.
    TokenRevoked,
    AccountDisabled(DisabledBecause),
    AccountEnabled,
    /// The Google Account was deleted.
    AccountPurged,
    /// Google advises looking out for suspicious activity.
    CredentialChangeRequired,
    /// A test token sent when the stream is set up or checked, with the state asked for.
    Verification(Option<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisabledBecause {
    Hijacking,
    BulkAccount,
    /// No reason, or one we do not know.
    Unstated,
}

/// One event of a token, and the subject (Google's `sub`) it concerns, where it names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub event: RiscEvent,
    pub subject: Option<String>,
}

/// A checked security event token.
#[derive(Debug, PartialEq, Eq)]
pub struct SecurityEvent {
    pub jti: String,
    /// Until when the `jti` must be remembered.
    pub remember_until: i64,
    /// The events we know of; others are left out.
    pub notices: Vec<Notice>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecurityEventError {
    #[error(transparent)]
    Token(#[from] ProviderJwtError),
    #[error("jti is missing")]
    NoId,
    #[error("events is missing or not a JSON object")]
    NoEvents,
    #[error("an event names no subject, or one of another issuer")]
    Subject,
}

impl SecurityEventError {
    /// The error code RFC 8935 (push delivery) answers with.
    pub fn code(&self) -> &'static str {
        match self {
            SecurityEventError::Token(ProviderJwtError::Algorithm | ProviderJwtError::Signature) => {
                "invalid_key"
            }
            SecurityEventError::Token(ProviderJwtError::Issuer) => "invalid_issuer",
            SecurityEventError::Token(ProviderJwtError::Audience) => "invalid_audience",
            _ => "invalid_request",
        }
    }
}

/// Checks `token` as sent by the transmitter of `trust` to `client_id`, at `now`; subjects
/// must be of that transmitter or of `provider_issuer` (the OpenID issuer of our identities).
pub fn verify(
    token: &str,
    trust: &RiscTrust,
    provider_issuer: &str,
    client_id: &str,
    now: i64,
) -> Result<SecurityEvent, SecurityEventError> {
    use SecurityEventError as E;
    let checked = provider_jwt::check(token, trust.trust(), client_id, now, MAX_AGE)?;
    let jti = checked.text("jti").ok_or(E::NoId)?.to_owned();
    let events = checked
        .claims
        .get("events")
        .and_then(Value::as_object)
        .ok_or(E::NoEvents)?;
    // The Shared Signals framework names the subject once, beside the events.
    let shared_subject = checked.claims.get("sub_id").and_then(Value::as_object);
    let ours = [trust.issuer.as_str(), provider_issuer];
    let mut notices = Vec::new();
    for (uri, details) in events {
        let Some(event) = event_of(uri, details) else {
            tracing::info!(event = uri, "security event of a type not acted on");
            continue;
        };
        let subject = match &event {
            RiscEvent::Verification(_) | RiscEvent::TokenRevoked => None,
            _ => {
                let subject = details
                    .get("subject")
                    .and_then(Value::as_object)
                    .or(shared_subject);
                Some(subject_of(subject, &ours).ok_or(E::Subject)?)
            }
        };
        notices.push(Notice { event, subject });
    }
    Ok(SecurityEvent {
        jti,
        remember_until: checked.iat + MAX_AGE + SKEW,
        notices,
    })
}

fn event_of(uri: &str, details: &Value) -> Option<RiscEvent> {
    let text = |name: &str| details.get(name).and_then(Value::as_str);
    if let Some(oauth) = uri.strip_prefix(OAUTH) {
        return match oauth {
            "tokens-revoked" => Some(RiscEvent::TokensRevoked),
            "token-revoked" => Some(RiscEvent::TokenRevoked),
            _ => None,
        };
    }
    Some(match uri.strip_prefix(RISC)? {
        "sessions-revoked" => RiscEvent::SessionsRevoked,
        "account-disabled" => RiscEvent::AccountDisabled(match text("reason") {
            Some("hijacking") => DisabledBecause::Hijacking,
            Some("bulk-account") => DisabledBecause::BulkAccount,
            _ => DisabledBecause::Unstated,
        }),
        "account-enabled" => RiscEvent::AccountEnabled,
        "account-purged" => RiscEvent::AccountPurged,
        "account-credential-change-required" => RiscEvent::CredentialChangeRequired,
        "verification" => RiscEvent::Verification(text("state").map(str::to_owned)),
        _ => return None,
    })
}

/// The `sub` of an `iss-sub` (or `id_token_claims`) subject of one of the issuers in `ours`.
fn subject_of(subject: Option<&Map<String, Value>>, ours: &[&str]) -> Option<String> {
    let subject = subject?;
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    let issuer_ok = match subject.get("iss") {
        None => true,
        Some(Value::String(iss)) => ours.iter().any(|our| same(our, iss)),
        Some(_) => false,
    };
    let sub = subject.get("sub").and_then(Value::as_str)?;
    (issuer_ok && !sub.is_empty() && sub.len() <= 255).then(|| sub.to_owned())
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use proptest::prelude::*;

    use super::*;

    fn trust() -> RiscTrust {
        RiscTrust {
            issuer: "https://accounts.google.com/".into(),
            keys: Vec::new(),
        }
    }

    #[test]
    fn subjects_of_another_issuer_or_without_sub_are_not_ours() {
        let ours = ["https://accounts.google.com/", "https://accounts.google.com"];
        let subject = |value: Value| subject_of(value.as_object(), &ours);
        assert_eq!(
            subject(
                serde_json::json!({"subject_type": "iss-sub", "iss": "https://accounts.google.com", "sub": "42"})
            ),
            Some("42".into())
        );
        assert_eq!(
            subject(serde_json::json!({"iss": "https://evil.example/", "sub": "42"})),
            None
        );
        assert_eq!(
            subject(serde_json::json!({"iss": "https://accounts.google.com/"})),
            None
        );
        assert_eq!(subject(serde_json::json!({"sub": ""})), None);
    }

    #[test]
    fn reasons_and_types_are_read_as_google_writes_them() {
        let disabled = format!("{RISC}account-disabled");
        assert_eq!(
            event_of(&disabled, &serde_json::json!({"reason": "hijacking"})),
            Some(RiscEvent::AccountDisabled(DisabledBecause::Hijacking))
        );
        assert_eq!(
            event_of(&disabled, &serde_json::json!({})),
            Some(RiscEvent::AccountDisabled(DisabledBecause::Unstated))
        );
        assert_eq!(
            event_of(&format!("{OAUTH}tokens-revoked"), &Value::Null),
            Some(RiscEvent::TokensRevoked)
        );
        assert_eq!(
            event_of("https://example.com/event-type/sessions-revoked", &Value::Null),
            None
        );
    }

    proptest! {
        #[test]
        fn any_text_is_refused_without_panicking(token in "\\PC{0,400}", now in any::<i64>()) {
            prop_assert!(verify(&token, &trust(), "https://accounts.google.com", "client", now).is_err());
        }

        #[test]
        fn unsigned_claims_are_refused_whatever_they_say(claims in prop::collection::vec(any::<u8>(), 0..300)) {
            let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#);
            let token = format!("{header}.{}.{}", URL_SAFE_NO_PAD.encode(&claims), URL_SAFE_NO_PAD.encode(b"sig"));
            prop_assert!(verify(&token, &trust(), "https://accounts.google.com", "client", 0).is_err());
        }
    }
}
