//! Providers without OpenID Connect: plain OAuth 2.0 (X, Facebook, Instagram, GitHub, or any
//! configured by hand) and X's legacy OAuth 1.0a. With no ID token to verify, identity comes
//! from the provider's own profile API, called with the token it has just issued.

pub mod grant;
pub mod instagram;
pub mod oauth1;
pub mod oauth2;
pub mod revocation;
pub mod signed_request;
pub mod token_endpoint;
mod token_quirks;

use http::{HeaderValue, Method, Request, header};
use serde_json::Value;

use crate::{
    profile::fields::MappingError,
    provider_http::{MAX_RESPONSE_BYTES, ProviderHttp},
};

/// What went wrong talking to a provider. Details are for the log; the browser gets a general
/// message (see `flow::FlowError`). Response bodies are never included: they may hold tokens.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{step} request failed: {reason}")]
    Request { step: &'static str, reason: String },
    #[error("{step}: the provider answered with error {code:?}")]
    ProviderError { step: &'static str, code: String },
    #[error("{step}: unexpected response: {reason}")]
    UnexpectedResponse { step: &'static str, reason: String },
    #[error("profile rejected: {0}")]
    Profile(#[from] MappingError),
    #[error("the profile is for another user than the token")]
    SubjectMismatch,
}

/// Sends `request` and returns the answer's status and body.
pub(crate) async fn send(
    http: &ProviderHttp,
    step: &'static str,
    request: Request<Vec<u8>>,
) -> Result<(http::StatusCode, Vec<u8>), OAuthError> {
    let response = http
        .execute(request)
        .await
        .map_err(|reason| OAuthError::Request { step, reason })?;
    Ok((response.status(), response.into_body()))
}

/// The request `builder` describes, with no body.
pub(crate) fn without_body(
    step: &'static str,
    builder: http::request::Builder,
) -> Result<Request<Vec<u8>>, OAuthError> {
    builder.body(Vec::new()).map_err(|e| OAuthError::Request {
        step,
        reason: e.to_string(),
    })
}

/// GETs a JSON document from a provider API with the access token as a bearer token.
pub(crate) async fn get_json(
    http: &ProviderHttp,
    step: &'static str,
    url: &url::Url,
    authorization: &str,
    headers: &[(&'static str, &'static str)],
) -> Result<Value, OAuthError> {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(url.as_str())
        .header(header::ACCEPT, "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = without_body(step, request)?;
    let authorization = HeaderValue::from_str(authorization).map_err(|_| OAuthError::Request {
        step,
        reason: "the credentials cannot be sent in a header".into(),
    })?;
    request.headers_mut().insert(header::AUTHORIZATION, authorization);
    let (status, body) = send(http, step, request).await?;
    if !status.is_success() {
        return Err(OAuthError::UnexpectedResponse {
            step,
            reason: format!("HTTP {status}"),
        });
    }
    serde_json::from_slice(&body).map_err(|_| OAuthError::UnexpectedResponse {
        step,
        reason: format!("not JSON ({} bytes, limit {MAX_RESPONSE_BYTES})", body.len()),
    })
}

/// A provider's error code, reduced to something safe to log.
pub fn error_code(raw: &str) -> String {
    raw.chars().filter(|c| c.is_ascii_graphic()).take(64).collect()
}
