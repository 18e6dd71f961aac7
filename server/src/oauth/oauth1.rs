//! X's legacy OAuth 1.0a three-legged flow (the original tutorials' "Sign in with Twitter"):
//! a signed request token, the browser sent to X with it, then a signed exchange of the
//! verifier for an access token and a signed `account/verify_credentials` call.
//! Requests are signed with HMAC-SHA1 by the `oauth1-request` crate.

use http::{Method, Request, header};
use oauth1_request::{self as oauth, Credentials, HMAC_SHA1, ParameterList};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use super::{OAuthError, error_code, get_json, grant::ProviderTokens, send, without_body};
use crate::{
    profile::VerifiedIdentity,
    provider_http::ProviderHttp,
    providers::{Provider, protocol::OAuth1Settings},
};

/// The temporary credentials of one sign-in. The token travels through the browser and comes
/// back on the callback; the secret never leaves the server.
#[derive(Debug)]
pub struct RequestToken {
    pub token: String,
    pub secret: SecretString,
}

/// Bounds what a provider can make us store and compare.
const MAX_TOKEN_LEN: usize = 256;

pub async fn request_token(
    provider: &Provider,
    settings: &OAuth1Settings,
    http: &ProviderHttp,
) -> Result<RequestToken, OAuthError> {
    let step = "request token";
    let callback = provider.redirect_uri.as_str();
    let mut signer = signer(provider);
    signer.callback(callback);
    let authorization = signer.authorize("POST", &settings.request_token_url, &());
    let fields = post_signed(http, step, &settings.request_token_url, authorization).await?;
    // Without this the provider ignored our callback (OAuth 1.0a, section 6.1.2).
    if field(&fields, "oauth_callback_confirmed") != Some("true") {
        return Err(OAuthError::UnexpectedResponse {
            step,
            reason: "oauth_callback_confirmed is not true".into(),
        });
    }
    token_pair(&fields, step)
}

pub fn authorization_url(settings: &OAuth1Settings, request_token: &RequestToken) -> Url {
    let mut url = settings.authorization_url.clone();
    url.query_pairs_mut()
        .append_pair("oauth_token", &request_token.token);
    url
}

/// Trades the verifier for access credentials, then reads the profile they belong to.
pub async fn exchange(
    provider: &Provider,
    settings: &OAuth1Settings,
    http: &ProviderHttp,
    request_token: &RequestToken,
    verifier: &str,
) -> Result<(VerifiedIdentity, ProviderTokens), OAuthError> {
    let step = "access token";
    let mut signer = signer(provider);
    signer
        .token(Credentials::new(
            request_token.token.as_str(),
            request_token.secret.expose_secret(),
        ))
        .verifier(verifier);
    let authorization = signer.authorize("POST", &settings.access_token_url, &());
    let fields = post_signed(http, step, &settings.access_token_url, authorization).await?;
    let access = token_pair(&fields, step)?;
    let user_id = field(&fields, "user_id").map(str::to_owned);

    let document = get_signed_json(
        provider,
        http,
        "profile",
        &settings.profile_url,
        &access.token,
        access.secret.expose_secret(),
    )
    .await?;
    let identity = settings.profile.read(&settings.issuer, &document)?;
    if user_id.is_some_and(|id| id != identity.subject.as_str()) {
        return Err(OAuthError::SubjectMismatch);
    }
    Ok((identity, ProviderTokens::oauth1(&access.token, access.secret)))
}

/// GETs a JSON document from an OAuth 1.0a API, signed with the access credentials `token`
/// and `secret`. The signature covers the query parameters, so they are signed apart from the
/// URL.
pub(crate) async fn get_signed_json(
    provider: &Provider,
    http: &ProviderHttp,
    step: &'static str,
    url: &Url,
    token: &str,
    secret: &str,
) -> Result<Value, OAuthError> {
    let mut bare = url.clone();
    bare.set_query(None);
    let params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let mut signer = signer(provider);
    signer.token(Credentials::new(token, secret));
    let authorization = signer.authorize("GET", &bare, &ParameterList::new(params));
    get_json(http, step, url, &authorization, &[]).await
}

fn signer(provider: &Provider) -> oauth::Builder<'_, oauth::HmacSha1, &str, &str> {
    // OAuth 1.0a providers are configured with an issued secret; a signed one never gets here.
    let secret = provider
        .config
        .client_secret
        .issued()
        .map_or("", |s| s.secret().as_str());
    let consumer = Credentials::new(provider.config.client_id.as_str(), secret);
    oauth::Builder::new(consumer, HMAC_SHA1)
}

/// Gives the access credentials back: X's `POST oauth/invalidate_token`, signed with them.
pub async fn invalidate(
    provider: &Provider,
    settings: &OAuth1Settings,
    http: &ProviderHttp,
    token: &str,
    secret: &str,
) -> Result<(), OAuthError> {
    let mut signer = signer(provider);
    signer.token(Credentials::new(token, secret));
    let authorization = signer.authorize("POST", &settings.revocation_url, &());
    post_signed(http, "invalidate token", &settings.revocation_url, authorization)
        .await
        .map(drop)
}

/// POSTs an empty signed request and reads the form-encoded answer.
async fn post_signed(
    http: &ProviderHttp,
    step: &'static str,
    url: &Url,
    authorization: String,
) -> Result<Vec<(String, String)>, OAuthError> {
    let request = Request::builder()
        .method(Method::POST)
        .uri(url.as_str())
        .header(header::AUTHORIZATION, authorization)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let request = without_body(step, request)?;
    let (status, body) = send(http, step, request).await?;
    if !status.is_success() {
        // X answers errors as JSON {"errors":[{"code":32,"message":...}]}.
        let code = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.pointer("/errors/0/code").map(Value::to_string))
            .map(|code| error_code(&code))
            .unwrap_or_else(|| format!("HTTP {status}"));
        return Err(OAuthError::ProviderError { step, code });
    }
    Ok(read_form(&body))
}

fn read_form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The token and its secret, as both the request-token and the access-token answers carry them.
fn token_pair(fields: &[(String, String)], step: &'static str) -> Result<RequestToken, OAuthError> {
    Ok(RequestToken {
        token: token_field(fields, step, "oauth_token")?,
        secret: SecretString::from(token_field(fields, step, "oauth_token_secret")?),
    })
}

fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn token_field(fields: &[(String, String)], step: &'static str, name: &str) -> Result<String, OAuthError> {
    field(fields, name)
        .filter(|v| !v.is_empty() && v.len() <= MAX_TOKEN_LEN)
        .map(str::to_owned)
        .ok_or_else(|| OAuthError::UnexpectedResponse {
            step,
            reason: format!("no usable {name}"),
        })
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use secrecy::ExposeSecret;

    use super::*;

    proptest! {
        #[test]
        fn any_token_answer_is_read_or_refused_without_panicking(
            body in prop::collection::vec(any::<u8>(), 0..600),
        ) {
            if let Ok(pair) = token_pair(&read_form(&body), "access token") {
                prop_assert!(!pair.token.is_empty() && pair.token.len() <= MAX_TOKEN_LEN);
                let secret = pair.secret.expose_secret();
                prop_assert!(!secret.is_empty() && secret.len() <= MAX_TOKEN_LEN);
            }
        }

        #[test]
        fn a_token_answer_reads_back_as_written(
            token in "[ -~]{1,256}",
            secret in "[ -~]{1,256}",
            user_id in "[0-9]{1,20}",
        ) {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("oauth_token", &token)
                .append_pair("oauth_token_secret", &secret)
                .append_pair("user_id", &user_id)
                .finish();
            let fields = read_form(body.as_bytes());
            let pair = token_pair(&fields, "access token").unwrap();
            prop_assert_eq!(&pair.token, &token);
            prop_assert_eq!(pair.secret.expose_secret(), secret.as_str());
            prop_assert_eq!(field(&fields, "user_id"), Some(user_id.as_str()));
        }
    }
}
