//! Instagram's long-lived tokens. The code grant gives a token good for an hour and no refresh
//! token; it is traded at once for one good for 60 days (`ig_exchange_token`), which renews
//! itself (`ig_refresh_token`). Both are GETs with the token in the query, answering
//! `{"access_token", "token_type", "expires_in"}` or a Graph error object: outside RFC 6749, so
//! written here rather than through the `oauth2` crate.

use http::{Method, Request, header};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use super::{
    OAuthError,
    grant::AccessGrant,
    send,
    token_quirks::{lifetime, provider_error},
    without_body,
};
use crate::{provider_http::ProviderHttp, providers::Provider};

const STEP: &str = "long-lived token";

/// The code grant's token lasts an hour, and its answer does not say so.
const SHORT_LIVED_SECONDS: u64 = 3600;
/// A long-lived token lasts 60 days, when its answer does not say.
const LONG_LIVED_SECONDS: u64 = 60 * 24 * 3600;

/// The 60-day token for the hour's token of `grant`, which it replaces. When the trade fails
/// the hour's token is kept (it reads the profile as well, so the sign-in goes on), with its
/// hour, so that the app knows when it has to ask the person again.
pub async fn long_lived(
    provider: &Provider,
    http: &ProviderHttp,
    exchange_url: &Url,
    grant: AccessGrant,
) -> AccessGrant {
    match exchange(provider, http, exchange_url, &grant).await {
        Ok(traded) => traded,
        Err(error) => {
            tracing::warn!(provider = %provider.config.id, %error, "no long-lived token; the kept one lasts an hour");
            AccessGrant {
                expires_in: grant.expires_in.or(Some(SHORT_LIVED_SECONDS)),
                ..grant
            }
        }
    }
}

async fn exchange(
    provider: &Provider,
    http: &ProviderHttp,
    exchange_url: &Url,
    grant: &AccessGrant,
) -> Result<AccessGrant, OAuthError> {
    let mut url = exchange_url.clone();
    url.query_pairs_mut()
        .append_pair("grant_type", "ig_exchange_token")
        .append_pair("client_secret", provider.config.client_secret.current().secret())
        .append_pair("access_token", grant.access_token.expose_secret());
    let renewed = ask(http, url).await?;
    Ok(AccessGrant {
        scope: grant.scope.clone(),
        ..renewed
    })
}

/// A fresh 60-day token for a long-lived one that has not expired yet.
pub async fn refresh(http: &ProviderHttp, refresh_url: &Url, token: &str) -> Result<AccessGrant, OAuthError> {
    let mut url = refresh_url.clone();
    url.query_pairs_mut()
        .append_pair("grant_type", "ig_refresh_token")
        .append_pair("access_token", token);
    ask(http, url).await
}

async fn ask(http: &ProviderHttp, url: Url) -> Result<AccessGrant, OAuthError> {
    let request = Request::builder()
        .method(Method::GET)
        .uri(url.as_str())
        .header(header::ACCEPT, "application/json");
    let request = without_body(STEP, request)?;
    let (status, body) = send(http, STEP, request).await?;
    let unexpected = |reason: String| OAuthError::UnexpectedResponse { step: STEP, reason };
    let Ok(Value::Object(answer)) = serde_json::from_slice(&body) else {
        return Err(unexpected(format!("HTTP {status}, not a JSON object")));
    };
    if let Some(code) = provider_error(&answer) {
        return Err(OAuthError::ProviderError { step: STEP, code });
    }
    let access_token = match answer.get("access_token") {
        Some(Value::String(token)) if status.is_success() && !token.is_empty() => token.clone(),
        _ => return Err(unexpected(format!("HTTP {status} without an access_token"))),
    };
    Ok(AccessGrant {
        access_token: SecretString::from(access_token),
        id_token: None,
        refresh_token: None,
        expires_in: Some(
            answer
                .get("expires_in")
                .and_then(lifetime)
                .unwrap_or(LONG_LIVED_SECONDS),
        ),
        scope: None,
    })
}
