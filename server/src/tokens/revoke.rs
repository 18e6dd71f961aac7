//! Revoking a grant when its identity is disconnected, each provider its documented way:
//! RFC 7009 at OpenID providers whose discovery names a `revocation_endpoint` (Google's does),
//! at X (OAuth 2.0), and at plain OAuth 2.0 providers configured with a `revocation_url`;
//! GitHub's, Facebook's and X's OAuth 1.0a (`oauth/invalidate_token`) own APIs; Instagram
//! documents none. Under RFC 7009 the refresh token is revoked when there is one, which ends
//! the grant and its access tokens (section 2.1); else the access token.

use std::sync::Arc;

use base64::{Engine, engine::general_purpose::STANDARD};
use http::{Method, Request, header};
use secrecy::ExposeSecret;
use url::Url;

use crate::{
    oauth::{
        self, OAuthError,
        grant::ProviderTokens,
        oauth1,
        oauth2::with_appsecret_proof,
        revocation::{self, Revocable},
    },
    oidc,
    provider_http::ProviderHttp,
    providers::{
        Protocol,
        protocol::{ClientAuth, OAuth2Settings, Revocation},
    },
    registry::LiveProvider,
};

/// Revokes the grant in a task of its own, so a slow or failing provider holds nobody up;
/// `what` names the grant in the log.
pub fn in_background(
    provider: Arc<LiveProvider>,
    http: ProviderHttp,
    tokens: ProviderTokens,
    what: &'static str,
) {
    tokio::spawn(async move {
        match revoke(&provider, &http, &tokens).await {
            Ok(true) => tracing::info!(provider = %provider.config.id, "revoked {what}"),
            Ok(false) => {}
            Err(error) => tracing::warn!(provider = %provider.config.id, %error, "could not revoke {what}"),
        }
    });
}

/// Whether the grant was revoked: `Ok(false)` when the provider offers no revocation.
pub async fn revoke(
    provider: &LiveProvider,
    http: &ProviderHttp,
    tokens: &ProviderTokens,
) -> Result<bool, String> {
    let revoked = match &provider.config.protocol {
        Protocol::Oidc(_) => {
            let discovered = provider.discovered(http).await.map_err(|e| e.to_string())?;
            let Some(url) = discovered
                .metadata
                .additional_metadata()
                .revocation_endpoint
                .as_ref()
            else {
                return Ok(false);
            };
            // The revocation endpoint authenticates the client as the token endpoint does.
            let (_, client_auth) =
                oidc::token_endpoint(&discovered.metadata).ok_or("the provider has no token endpoint")?;
            rfc7009(provider, http, url, client_auth, tokens).await
        }
        Protocol::OAuth2(settings) => match &settings.revocation {
            Some(Revocation::Rfc7009(url)) => {
                rfc7009(provider, http, url, settings.client_auth, tokens).await
            }
            Some(Revocation::GitHubGrant(url)) => github_grant(provider, settings, http, url, tokens).await,
            Some(Revocation::FacebookPermissions(url)) => {
                facebook_permissions(provider, settings, http, url, tokens).await
            }
            None => return Ok(false),
        },
        Protocol::OAuth1(settings) => {
            let secret = tokens
                .token_secret
                .as_ref()
                .ok_or("the kept OAuth 1.0a grant has no token secret")?;
            let token = tokens.access_token.expose_secret();
            oauth1::invalidate(provider, settings, http, token, secret.expose_secret()).await
        }
    };
    revoked.map(|()| true).map_err(|e| e.to_string())
}

async fn rfc7009(
    provider: &LiveProvider,
    http: &ProviderHttp,
    url: &Url,
    client_auth: ClientAuth,
    tokens: &ProviderTokens,
) -> Result<(), OAuthError> {
    let token = match &tokens.refresh_token {
        Some(refresh) => Revocable::RefreshToken(refresh.expose_secret()),
        None => Revocable::AccessToken(tokens.access_token.expose_secret()),
    };
    revocation::revoke(provider, http, url, client_auth, token).await
}

/// GitHub: `DELETE /applications/{client_id}/grant`, the app authenticating with Basic (plain,
/// not form-encoded as RFC 6749 has it) and naming the access token in a JSON body. Answers 204.
async fn github_grant(
    provider: &LiveProvider,
    settings: &OAuth2Settings,
    http: &ProviderHttp,
    url: &Url,
    tokens: &ProviderTokens,
) -> Result<(), OAuthError> {
    let config = &provider.config;
    let credentials = STANDARD.encode(format!(
        "{}:{}",
        config.client_id.as_str(),
        config.client_secret.current().secret()
    ));
    let body = serde_json::json!({ "access_token": tokens.access_token.expose_secret() });
    let mut request = Request::builder()
        .method(Method::DELETE)
        .uri(url.as_str())
        .header(header::AUTHORIZATION, format!("Basic {credentials}"))
        .header(header::CONTENT_TYPE, "application/json");
    for (name, value) in &settings.quirks.profile_headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(body.to_string().into_bytes())
        .map_err(|e| OAuthError::Request {
            step: STEP,
            reason: e.to_string(),
        })?;
    let (status, _) = oauth::send(http, STEP, request).await?;
    success(status)
}

/// Facebook: `DELETE /me/permissions` with the person's token (and the proof that the app
/// holds it), which removes the app from the person's account. Answers `{"success": true}`.
async fn facebook_permissions(
    provider: &LiveProvider,
    settings: &OAuth2Settings,
    http: &ProviderHttp,
    url: &Url,
    tokens: &ProviderTokens,
) -> Result<(), OAuthError> {
    let token = tokens.access_token.expose_secret();
    let url = with_appsecret_proof(url, provider, settings, token);
    let request = Request::builder()
        .method(Method::DELETE)
        .uri(url.as_str())
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT, "application/json");
    let request = oauth::without_body(STEP, request)?;
    let (status, body) = oauth::send(http, STEP, request).await?;
    success(status)?;
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if answer["success"] == true {
        Ok(())
    } else {
        Err(OAuthError::UnexpectedResponse {
            step: STEP,
            reason: "the answer does not say success".into(),
        })
    }
}

const STEP: &str = "revocation";

fn success(status: http::StatusCode) -> Result<(), OAuthError> {
    if status.is_success() {
        Ok(())
    } else {
        Err(OAuthError::UnexpectedResponse {
            step: STEP,
            reason: format!("HTTP {status}"),
        })
    }
}
