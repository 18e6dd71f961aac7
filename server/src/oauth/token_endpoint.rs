//! Calls to a provider's token endpoint, shared by OpenID Connect and plain OAuth 2.0. The
//! authorization-code grant (with PKCE) and the refresh grant (RFC 6749 section 6) go through
//! the `oauth2` crate, which builds each request (client authentication, grant parameters) and
//! reads each answer; what providers do outside RFC 6749 is mended on the way by
//! `token_quirks`.

use oauth2::{
    AuthType, AuthorizationCode, Client, EndpointNotSet, ExtraTokenFields, PkceCodeVerifier, RefreshToken,
    RequestTokenError, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
    basic::{
        BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
    },
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use url::Url;

use super::{OAuthError, error_code, grant::AccessGrant, token_quirks::Transport};
use crate::{
    domain::CodeVerifier,
    provider_http::{ProviderHttp, error_chain},
    providers::{Provider, protocol::ClientAuth},
};

/// The one field beyond RFC 6749 that is read from a token response.
#[derive(Deserialize, Serialize)]
struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}
impl ExtraTokenFields for IdTokenField {}

/// The crate asks for Debug; like its own token types, this one shows no token.
impl std::fmt::Debug for IdTokenField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdTokenField([redacted])")
    }
}

type GrantResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

type TokenClient<HasTokenUrl> = Client<
    BasicErrorResponse,
    GrantResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    HasTokenUrl,
>;

/// Exchanges `code` (with the PKCE verifier, when the provider takes one) for tokens.
pub async fn exchange_code(
    provider: &Provider,
    http: &ProviderHttp,
    token_url: &Url,
    client_auth: ClientAuth,
    code: String,
    verifier: Option<&CodeVerifier>,
) -> Result<AccessGrant, OAuthError> {
    let client = client(provider, client_auth)
        .set_token_uri(TokenUrl::from_url(token_url.clone()))
        .set_redirect_uri(provider.redirect_uri.clone());
    let mut request = client.exchange_code(AuthorizationCode::new(code));
    if let Some(verifier) = verifier {
        request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_owned()));
    }
    let transport = Transport::new(http, client_auth);
    let response = request
        .request_async(&transport)
        .await
        .map_err(|e| failed(e, transport.answered()))?;
    read_grant(response)
}

/// Trades a refresh token for a new grant. A refusal comes back as `OAuthError::ProviderError`
/// with the provider's code (`invalid_grant` when the grant was revoked or has expired).
pub async fn refresh(
    provider: &Provider,
    http: &ProviderHttp,
    token_url: &Url,
    client_auth: ClientAuth,
    refresh_token: &str,
) -> Result<AccessGrant, OAuthError> {
    let client = client(provider, client_auth).set_token_uri(TokenUrl::from_url(token_url.clone()));
    let refresh_token = RefreshToken::new(refresh_token.to_owned());
    let transport = Transport::new(http, client_auth);
    let response = client
        .exchange_refresh_token(&refresh_token)
        .request_async(&transport)
        .await
        .map_err(|e| failed(e, transport.answered()))?;
    read_grant(response)
}

const STEP_TOKEN: &str = "token";

fn client(provider: &Provider, client_auth: ClientAuth) -> TokenClient<EndpointNotSet> {
    let config = &provider.config;
    Client::new(config.client_id.clone())
        .set_client_secret(config.client_secret.current())
        .set_auth_type(match client_auth {
            ClientAuth::Basic => AuthType::BasicAuth,
            ClientAuth::FormPost | ClientAuth::Query => AuthType::RequestBody,
        })
}

/// What the crate read, held to what sign-in needs: a bearer token that is not empty.
fn read_grant(response: GrantResponse) -> Result<AccessGrant, OAuthError> {
    let unexpected = |reason: &str| OAuthError::UnexpectedResponse {
        step: STEP_TOKEN,
        reason: reason.into(),
    };
    // RFC 6749 section 5.1 makes the type case-insensitive; X sends `bearer`, others `Bearer`.
    if !response.token_type().as_ref().eq_ignore_ascii_case("bearer") {
        return Err(unexpected("token_type is not bearer"));
    }
    let access_token = response.access_token().secret();
    if access_token.is_empty() {
        return Err(unexpected("no access_token"));
    }
    let present = |value: &String| !value.is_empty();
    Ok(AccessGrant {
        access_token: SecretString::from(access_token.clone()),
        id_token: response
            .extra_fields()
            .id_token
            .clone()
            .filter(present)
            .map(SecretString::from),
        refresh_token: response
            .refresh_token()
            .map(|token| token.secret().clone())
            .filter(present)
            .map(SecretString::from),
        expires_in: response.expires_in().map(|lifetime| lifetime.as_secs()),
        scope: response
            .scopes()
            .map(|scopes| scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
            .filter(present),
    })
}

/// The crate's error, for the log: the provider's error code, or its answer's status and where
/// the answer stopped making sense. Never the body or the parser's message, which may quote
/// a token.
fn failed<E: std::error::Error + 'static>(
    error: RequestTokenError<E, BasicErrorResponse>,
    answered: Option<http::StatusCode>,
) -> OAuthError {
    let step = STEP_TOKEN;
    let status = answered.map_or_else(|| "no answer".to_owned(), |status| format!("HTTP {status}"));
    match error {
        RequestTokenError::ServerResponse(answer) => OAuthError::ProviderError {
            step,
            code: error_code(answer.error().as_ref()),
        },
        RequestTokenError::Request(error) => OAuthError::Request {
            step,
            reason: error_chain(&error),
        },
        RequestTokenError::Parse(error, _body) => OAuthError::UnexpectedResponse {
            step,
            reason: format!(
                "{status}, not a token answer ({:?} at `{}`)",
                error.inner().classify(),
                error.path()
            ),
        },
        RequestTokenError::Other(reason) => OAuthError::UnexpectedResponse {
            step,
            reason: format!("{status}, {reason}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use oauth2::{ClientId, TokenUrl};
    use secrecy::ExposeSecret;

    use super::*;
    use crate::oauth::token_quirks;

    const JSON: &str = "application/json; charset=utf-8";
    const FORM: &str = "application/x-www-form-urlencoded";

    /// A code exchange whose provider answers `body`, read as a real exchange reads it: the
    /// quirks mended, then the crate, then our own checks.
    fn answer(status: u16, content_type: &str, body: &[u8]) -> Result<AccessGrant, OAuthError> {
        let client: TokenClient<oauth2::EndpointSet> = Client::new(ClientId::new("app".into()))
            .set_token_uri(TokenUrl::new("http://127.0.0.1:9/token".into()).unwrap());
        let canned = |_request| {
            let response = http::Response::builder()
                .status(status)
                .header(http::header::CONTENT_TYPE, content_type)
                .body(body.to_vec())
                .unwrap();
            std::future::ready(Ok::<_, std::io::Error>(token_quirks::normalize(response)))
        };
        let exchange = client
            .exchange_code(AuthorizationCode::new("code".into()))
            .request_async(&canned);
        futures::executor::block_on(exchange)
            .map_err(|e| failed(e, http::StatusCode::from_u16(status).ok()))
            .and_then(read_grant)
    }

    fn ok(body: &str) -> AccessGrant {
        answer(200, JSON, body.as_bytes()).unwrap()
    }

    #[test]
    fn lenient_about_what_does_not_matter() {
        let x = ok(
            r#"{"token_type":"bearer","expires_in":7200,"access_token":"x-at","scope":"users.read tweet.read"}"#,
        );
        assert_eq!(x.access_token.expose_secret(), "x-at");
        assert_eq!(x.expires_in, Some(7200));
        assert_eq!(x.scope.as_deref(), Some("users.read tweet.read"));
        assert!(x.refresh_token.is_none());
        let google = ok(
            r#"{"access_token":"ya29.a","expires_in":"3599","refresh_token":"1//0g","id_token":"h.p.s","token_type":"Bearer"}"#,
        );
        assert_eq!(google.expires_in, Some(3599));
        assert_eq!(
            google.refresh_token.as_ref().map(|t| t.expose_secret()),
            Some("1//0g")
        );
        assert_eq!(google.id_token.as_ref().map(|t| t.expose_secret()), Some("h.p.s"));
        assert!(!format!("{google:?}").contains("h.p.s"), "Debug shows no token");
        ok(r#"{"access_token":"a","token_type":"Bearer","expires_in":"5183976"}"#);
        ok(r#"{"access_token":"a"}"#);
        let form = answer(
            200,
            FORM,
            b"access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer",
        )
        .unwrap();
        assert_eq!(
            form.access_token.expose_secret(),
            "gho_16C7e42F292c6912E7710c838347Ae178B4a"
        );
        assert_eq!(form.scope.as_deref(), Some("repo,gist"));
    }

    #[test]
    fn instagram_wraps_the_grant_and_numbers_the_user() {
        let grant = ok(
            r#"{"data":[{"access_token":"IGQ","user_id":17841400000000001,"permissions":"instagram_business_basic"}]}"#,
        );
        assert_eq!(grant.access_token.expose_secret(), "IGQ");
        let flat = ok(r#"{"access_token":"IGQ2","user_id":"17841400000000001","permissions":["a"]}"#);
        assert_eq!(flat.access_token.expose_secret(), "IGQ2");
    }

    fn refused_by_provider(status: u16, content_type: &str, body: &str) -> String {
        match answer(status, content_type, body.as_bytes()) {
            Err(OAuthError::ProviderError { code, .. }) => code,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn every_error_shape_is_an_error() {
        let github = refused_by_provider(
            200,
            JSON,
            r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.","error_uri":"https://docs.github.com"}"#,
        );
        assert_eq!(github, "bad_verification_code");
        let facebook = refused_by_provider(
            400,
            JSON,
            r#"{"error":{"message":"This authorization code has expired.","type":"OAuthException","code":100,"fbtrace_id":"A1b"}}"#,
        );
        assert_eq!(facebook, "OAuthException:100");
        let instagram = refused_by_provider(
            400,
            JSON,
            r#"{"error_type":"OAuthException","code":400,"error_message":"Invalid platform app"}"#,
        );
        assert_eq!(instagram, "OAuthException");
        let form = refused_by_provider(200, FORM, "error=incorrect_client_credentials");
        assert_eq!(form, "incorrect_client_credentials");
        let standard = refused_by_provider(400, JSON, r#"{"error":"invalid_grant"}"#);
        assert_eq!(standard, "invalid_grant");
    }

    #[test]
    fn broken_answers_are_refused() {
        for (status, content_type, body) in [
            (500, JSON, "{}"),
            (200, "text/html", "<html>oops</html>"),
            (200, JSON, r#"{"token_type":"bearer"}"#),
            (200, JSON, r#"{"access_token":""}"#),
            (200, JSON, r#"{"access_token":"a","token_type":"mac"}"#),
            (200, JSON, r#"{"access_token":"a","expires_in":"soon"}"#),
            (200, JSON, r#"["access_token"]"#),
            (200, JSON, r#"{"data":[]}"#),
            (201, JSON, r#"{"access_token":"a"}"#),
        ] {
            let error = answer(status, content_type, body.as_bytes()).unwrap_err();
            assert!(
                matches!(error, OAuthError::UnexpectedResponse { .. }),
                "{body}: {error}"
            );
        }
    }

    #[test]
    fn an_unreadable_answer_is_logged_with_its_status() {
        let error = answer(502, "text/html", b"<html>Bad Gateway</html>")
            .unwrap_err()
            .to_string();
        assert!(error.contains("HTTP 502"), "{error}");
        let error = answer(200, JSON, br#"{"token_type":"bearer"}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("HTTP 200") && error.contains("Data"), "{error}");
    }

    #[test]
    fn errors_never_carry_the_body() {
        for body in [
            r#"{"access_token":"leaked-token"}"#,
            r#"{"access_token":"leaked-token","expires_in":"leaked-token"}"#,
            r#"{"access_token":["leaked-token"]}"#,
        ] {
            let error = answer(502, JSON, body.as_bytes()).unwrap_err().to_string();
            assert!(!error.contains("leaked-token"), "{error}");
            let error = answer(200, JSON, body.as_bytes());
            if let Err(error) = error {
                assert!(!error.to_string().contains("leaked-token"), "{error}");
            }
        }
    }

    mod properties {
        use proptest::prelude::*;
        use secrecy::ExposeSecret;

        use super::answer;

        proptest! {
            #[test]
            fn any_answer_is_read_or_refused_without_panicking(
                status in 100u16..600,
                form in any::<bool>(),
                body in proptest::collection::vec(any::<u8>(), 0..300),
            ) {
                let content_type = if form { "application/x-www-form-urlencoded" } else { "application/json" };
                let _ = answer(status, content_type, &body);
            }

            #[test]
            fn a_json_grant_gives_back_its_tokens(
                access_token in "[ -~]{1,60}",
                id_token in proptest::option::of("[ -~]{1,60}"),
                expires_in in proptest::option::of(0u64..1_000_000),
            ) {
                let mut grant = serde_json::json!({ "access_token": access_token, "token_type": "Bearer" });
                if let Some(id_token) = &id_token {
                    grant["id_token"] = id_token.clone().into();
                }
                if let Some(expires_in) = expires_in {
                    grant["expires_in"] = expires_in.into();
                }
                let body = serde_json::to_vec(&grant).unwrap();
                let read = answer(200, "application/json", &body).unwrap();
                prop_assert_eq!(read.access_token.expose_secret(), access_token.as_str());
                prop_assert_eq!(read.id_token.as_ref().map(|t| t.expose_secret().to_owned()), id_token);
                prop_assert_eq!(read.expires_in, expires_in);
            }
        }
    }
}
