//! Revoking a kept token at an RFC 7009 endpoint, authenticating as at the token endpoint.
//! Written by hand rather than through the `oauth2` crate, which refuses every revocation
//! endpoint that is not https: the demo provider and the tests serve plain http on loopback.
//! The rule still holds everywhere else, since the client's credentials go along.

use base64::{Engine, engine::general_purpose::STANDARD};
use http::{Method, Request, header};
use url::{Url, form_urlencoded};

use super::OAuthError;
use crate::{
    provider_http::ProviderHttp,
    providers::{Provider, is_safe_endpoint, protocol::ClientAuth},
};

const STEP_REVOCATION: &str = "revocation";

/// Which kept token a revocation names (RFC 7009 `token_type_hint`).
pub enum Revocable<'a> {
    RefreshToken(&'a str),
    AccessToken(&'a str),
}

/// Revokes `token`; any 2xx answer counts as done.
pub async fn revoke(
    provider: &Provider,
    http: &ProviderHttp,
    revocation_url: &Url,
    client_auth: ClientAuth,
    token: Revocable<'_>,
) -> Result<(), OAuthError> {
    let refuse = |reason: &str| OAuthError::Request {
        step: STEP_REVOCATION,
        reason: reason.into(),
    };
    if !is_safe_endpoint(revocation_url) {
        return Err(refuse(
            "the revocation endpoint is neither https nor on this machine",
        ));
    }
    let (token, hint) = match token {
        Revocable::RefreshToken(token) => (token, "refresh_token"),
        Revocable::AccessToken(token) => (token, "access_token"),
    };
    let config = &provider.config;
    let secret = config.client_secret.current();
    let mut form = vec![("token", token), ("token_type_hint", hint)];
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(revocation_url.as_str())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    match client_auth {
        ClientAuth::Basic => {
            // RFC 6749 section 2.3.1: both halves form-encoded before joining.
            let encode = |value: &str| form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
            let credentials = format!(
                "{}:{}",
                encode(config.client_id.as_str()),
                encode(secret.secret())
            );
            request = request.header(
                header::AUTHORIZATION,
                format!("Basic {}", STANDARD.encode(credentials)),
            );
        }
        ClientAuth::FormPost | ClientAuth::Query => {
            form.push(("client_id", config.client_id.as_str()));
            form.push(("client_secret", secret.secret()));
        }
    }
    let request = request
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish()
                .into_bytes(),
        )
        .map_err(|e| refuse(&e.to_string()))?;
    // RFC 7009 section 2.2: 200 whether or not the token was known (any 2xx is taken as
    // done).
    let (status, _) = super::send(http, STEP_REVOCATION, request).await?;
    if status.is_success() {
        Ok(())
    } else {
        Err(OAuthError::UnexpectedResponse {
            step: STEP_REVOCATION,
            reason: format!("HTTP {status}"),
        })
    }
}
