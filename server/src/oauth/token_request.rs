//! Token requests, shared by OpenID Connect and plain OAuth 2.0: the authorization-code grant
//! and the refresh grant. The client authenticates as the provider wants, and the answer is
//! read tolerantly (see `token_response`).

use base64::{Engine, engine::general_purpose::STANDARD};
use http::{Method, Request, header};
use url::{Url, form_urlencoded};

use super::{
    OAuthError, send,
    token_response::{self, AccessGrant},
};
use crate::{
    domain::CodeVerifier,
    provider_http::ProviderHttp,
    providers::{Provider, protocol::ClientAuth},
};

/// Exchanges `code` (with the PKCE verifier, when the provider takes one) for tokens.
pub async fn exchange_code(
    provider: &Provider,
    http: &ProviderHttp,
    token_url: &Url,
    client_auth: ClientAuth,
    code: String,
    verifier: Option<&CodeVerifier>,
) -> Result<AccessGrant, OAuthError> {
    let mut grant = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", provider.redirect_uri.as_str()),
    ];
    if let Some(verifier) = verifier {
        grant.push(("code_verifier", verifier.expose()));
    }
    request(provider, http, token_url, client_auth, grant).await
}

/// Trades a refresh token for a new grant (RFC 6749 section 6). A refusal comes back as
/// `OAuthError::ProviderError` with the provider's code (`invalid_grant` when the grant was
/// revoked or has expired).
pub async fn refresh(
    provider: &Provider,
    http: &ProviderHttp,
    token_url: &Url,
    client_auth: ClientAuth,
    refresh_token: &str,
) -> Result<AccessGrant, OAuthError> {
    let grant = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
    request(provider, http, token_url, client_auth, grant).await
}

/// Revokes `token` (RFC 7009), authenticating as at the token endpoint. The provider answers
/// 200 whether or not it knew the token, so any 2xx is success.
pub async fn revoke(
    provider: &Provider,
    http: &ProviderHttp,
    revocation_url: &Url,
    client_auth: ClientAuth,
    token: &str,
    token_type_hint: &str,
) -> Result<(), OAuthError> {
    let params = vec![("token", token), ("token_type_hint", token_type_hint)];
    let request = build(provider, revocation_url, client_auth, params)?;
    let (status, _, _) = send(http, "revocation", request).await?;
    if status.is_success() {
        Ok(())
    } else {
        Err(OAuthError::UnexpectedResponse {
            step: "revocation",
            reason: format!("HTTP {status}"),
        })
    }
}

async fn request<'a>(
    provider: &'a Provider,
    http: &ProviderHttp,
    token_url: &Url,
    client_auth: ClientAuth,
    grant: Vec<(&'a str, &'a str)>,
) -> Result<AccessGrant, OAuthError> {
    let request = build(provider, token_url, client_auth, grant)?;
    let (status, content_type, body) = send(http, "token", request).await?;
    token_response::parse(status, content_type.as_deref(), &body)
}

fn build<'a>(
    provider: &'a Provider,
    token_url: &Url,
    client_auth: ClientAuth,
    mut params: Vec<(&'a str, &'a str)>,
) -> Result<Request<Vec<u8>>, OAuthError> {
    let config = &provider.config;
    if client_auth != ClientAuth::Basic {
        params.push(("client_id", config.client_id.as_str()));
        params.push(("client_secret", config.client_secret.secret()));
    }
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    let builder = Request::builder().header(header::ACCEPT, "application/json");
    let built = match client_auth {
        ClientAuth::Query => {
            let mut url = token_url.clone();
            url.set_query(Some(&encoded));
            builder.method(Method::GET).uri(url.as_str()).body(Vec::new())
        }
        ClientAuth::FormPost => form_post(builder, token_url, encoded),
        ClientAuth::Basic => {
            // RFC 6749 2.3.1: both halves form-encoded before joining.
            let credentials = format!(
                "{}:{}",
                form_encode(config.client_id.as_str()),
                form_encode(config.client_secret.secret())
            );
            let builder = builder.header(
                header::AUTHORIZATION,
                format!("Basic {}", STANDARD.encode(credentials)),
            );
            form_post(builder, token_url, encoded)
        }
    };
    built.map_err(|e| OAuthError::Request {
        step: "token",
        reason: e.to_string(),
    })
}

fn form_post(builder: http::request::Builder, url: &Url, body: String) -> http::Result<Request<Vec<u8>>> {
    builder
        .method(Method::POST)
        .uri(url.as_str())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.into_bytes())
}

fn form_encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
