//! A JWT a provider sends us server to server (a back-channel logout token, Apple's
//! notifications, Google's security event tokens), checked alike: signed by the provider with
//! an asymmetric key from its JWKS, `iss` the provider, `aud` this client, `iat` recent. What
//! the claims then mean, and that the `jti` was not seen before, is for the caller.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use openidconnect::{
    JsonWebKey,
    core::{CoreJsonWebKey, CoreJwsSigningAlgorithm},
};
use serde_json::{Map, Value};

use super::{Metadata, exchange::ALLOWED_ALGORITHMS, jwt_part, signing_key::SigningKey};

/// A token issued further from now than this (seconds) is refused, as for ID tokens.
pub const MAX_AGE: i64 = 600;
/// Clock difference allowed between the provider and us.
pub const SKEW: i64 = 60;
/// Tokens are small; anything larger is not one.
const MAX_LEN: usize = 16 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProviderJwtError {
    #[error("not a signed JWT")]
    Malformed,
    #[error("algorithm not accepted")]
    Algorithm,
    #[error("signature does not verify with the provider's keys")]
    Signature,
    #[error("iss is not the provider")]
    Issuer,
    #[error("aud does not name this client")]
    Audience,
    #[error("iat is missing, in the future or too old")]
    IssuedAt,
}

/// Who may sign the token: the issuer it must name and the keys of its JWKS.
#[derive(Clone, Copy)]
pub struct Trust<'a> {
    pub issuer: &'a str,
    pub keys: &'a [CoreJsonWebKey],
}

impl<'a> Trust<'a> {
    /// The provider as its discovery document describes it.
    pub fn of(metadata: &'a Metadata) -> Self {
        Trust {
            issuer: metadata.issuer().as_str(),
            keys: metadata.jwks().keys(),
        }
    }
}

/// The claims of a token whose signature, issuer, audience and age were checked.
#[derive(Debug)]
pub struct Checked {
    pub claims: Map<String, Value>,
    pub iat: i64,
}

impl Checked {
    /// A non-empty text claim.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.claims
            .get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Checks `token` as sent by `trust`, for `client_id`, at `now`, issued at most `max_age`
/// seconds before.
pub fn check(
    token: &str,
    trust: Trust<'_>,
    client_id: &str,
    now: i64,
    max_age: i64,
) -> Result<Checked, ProviderJwtError> {
    use ProviderJwtError as E;
    if token.len() > MAX_LEN {
        return Err(E::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(E::Malformed);
    };
    let header = json_object(header)?;
    let alg: CoreJwsSigningAlgorithm =
        serde_json::from_value(header.get("alg").cloned().ok_or(E::Malformed)?).map_err(|_| E::Algorithm)?;
    if !ALLOWED_ALGORITHMS.contains(&alg) {
        return Err(E::Algorithm);
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| E::Malformed)?;
    let signed = &token[..token.rfind('.').unwrap_or(0)];
    let kid = header.get("kid").and_then(Value::as_str);
    let verified = trust
        .keys
        .iter()
        .filter(|key| kid.is_none_or(|kid| key.key_id().is_some_and(|id| id.as_str() == kid)))
        .any(|key| {
            SigningKey::from(key.clone())
                .verify_signature(&alg, signed.as_bytes(), &signature)
                .is_ok()
        });
    if !verified {
        return Err(E::Signature);
    }

    let claims = json_object(payload)?;
    if claims.get("iss").and_then(Value::as_str) != Some(trust.issuer) {
        return Err(E::Issuer);
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == client_id,
        Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(client_id)),
        _ => false,
    };
    if !audience_ok {
        return Err(E::Audience);
    }
    let iat = claims.get("iat").and_then(Value::as_i64).ok_or(E::IssuedAt)?;
    if iat > now + SKEW || now - iat > max_age {
        return Err(E::IssuedAt);
    }
    Ok(Checked { claims, iat })
}

fn json_object(part: &str) -> Result<Map<String, Value>, ProviderJwtError> {
    jwt_part::object(part).ok_or(ProviderJwtError::Malformed)
}
