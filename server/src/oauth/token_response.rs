//! Token responses as providers really send them: JSON or form-encoded, errors in 200 answers
//! (GitHub), errors as objects (Facebook) or as `error_type` (Instagram), the grant wrapped in
//! `data: [...]` (Instagram), `token_type` missing or in any case, `expires_in` as a string.

use secrecy::SecretString;
use serde_json::{Map, Value};

use super::{OAuthError, error_code};

const STEP: &str = "token";

/// The part of a token response that sign-in uses. Who the token belongs to is read from the
/// ID token or the profile API, not from extras in this response (Instagram's `user_id`).
#[derive(Debug)]
pub struct AccessGrant {
    pub access_token: SecretString,
    /// OpenID Connect: the still unverified ID token.
    pub id_token: Option<String>,
    pub refresh_token: Option<SecretString>,
    /// Seconds from now, when the provider says.
    pub expires_in: Option<u64>,
    /// The scopes granted, as the provider lists them, when it says.
    pub scope: Option<String>,
}

pub fn parse(
    status: http::StatusCode,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<AccessGrant, OAuthError> {
    let unexpected = |reason: String| OAuthError::UnexpectedResponse { step: STEP, reason };
    let is_form = content_type.is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let document = if is_form {
        let pairs = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect::<Map<_, _>>();
        Value::Object(pairs)
    } else {
        serde_json::from_slice(body).map_err(|_| {
            unexpected(format!(
                "HTTP {status}, {} is neither JSON nor a form",
                content_type.unwrap_or("no content type")
            ))
        })?
    };
    let mut object = match document {
        Value::Object(object) => object,
        _ => return Err(unexpected("not a JSON object".into())),
    };
    if let Some(Value::Array(mut items)) = object.remove("data") {
        match items.pop() {
            Some(Value::Object(inner)) if items.is_empty() => object = inner,
            _ => return Err(unexpected("`data` does not hold exactly one grant".into())),
        }
    }
    if let Some(code) = provider_error(&object) {
        return Err(OAuthError::ProviderError { step: STEP, code });
    }
    if !status.is_success() {
        return Err(unexpected(format!("HTTP {status}")));
    }
    let access_token = match object.get("access_token") {
        Some(Value::String(token)) if !token.is_empty() => SecretString::from(token.clone()),
        _ => return Err(unexpected("no access_token".into())),
    };
    match object.get("token_type") {
        None => {}
        Some(Value::String(kind)) if kind.eq_ignore_ascii_case("bearer") => {}
        Some(_) => return Err(unexpected("token_type is not bearer".into())),
    }
    let expires_in = match object.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.is_u64() => n.as_u64(),
        Some(Value::String(s)) if s.parse::<u64>().is_ok() => s.parse().ok(),
        Some(_) => return Err(unexpected("expires_in is not a number of seconds".into())),
    };
    let text = |name: &str| match object.get(name) {
        Some(Value::String(value)) if !value.is_empty() => Some(value.clone()),
        _ => None,
    };
    Ok(AccessGrant {
        access_token,
        id_token: text("id_token"),
        refresh_token: text("refresh_token").map(SecretString::from),
        expires_in,
        scope: text("scope"),
    })
}

/// The error code of an error body, in any of the shapes providers use.
fn provider_error(object: &Map<String, Value>) -> Option<String> {
    let code = match (object.get("error"), object.get("error_type")) {
        (Some(Value::String(code)), _) => code.clone(),
        // Facebook: {"error": {"message", "type": "OAuthException", "code": 100, ...}}
        (Some(Value::Object(error)), _) => {
            let kind = error.get("type").and_then(Value::as_str).unwrap_or("error");
            match error.get("code") {
                Some(code) => format!("{kind}:{code}"),
                None => kind.to_owned(),
            }
        }
        // Instagram: {"error_type": "OAuthException", "code": 400, "error_message": "..."}
        (_, Some(Value::String(kind))) => kind.clone(),
        _ => return None,
    };
    Some(error_code(&code))
}

#[cfg(test)]
mod tests {
    use http::StatusCode;
    use secrecy::ExposeSecret;

    use super::*;

    const JSON: Option<&str> = Some("application/json; charset=utf-8");

    fn ok(body: &str) -> AccessGrant {
        parse(StatusCode::OK, JSON, body.as_bytes()).unwrap()
    }

    fn refused(status: StatusCode, content_type: Option<&str>, body: &str) -> OAuthError {
        parse(status, content_type, body.as_bytes()).unwrap_err()
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
        let google =
            ok(r#"{"access_token":"ya29.a","expires_in":"3599","refresh_token":"1//0g","id_token":"h.p.s"}"#);
        assert_eq!(google.expires_in, Some(3599));
        assert_eq!(
            google.refresh_token.as_ref().map(|t| t.expose_secret()),
            Some("1//0g")
        );
        assert_eq!(google.id_token.as_deref(), Some("h.p.s"));
        ok(r#"{"access_token":"a","token_type":"Bearer","expires_in":"5183976"}"#);
        ok(r#"{"access_token":"a"}"#);
        let form = parse(
            StatusCode::OK,
            Some("application/x-www-form-urlencoded"),
            b"access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer",
        )
        .unwrap();
        assert_eq!(
            form.access_token.expose_secret(),
            "gho_16C7e42F292c6912E7710c838347Ae178B4a"
        );
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

    #[test]
    fn every_error_shape_is_an_error() {
        let github = refused(
            StatusCode::OK,
            JSON,
            r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.","error_uri":"https://docs.github.com"}"#,
        );
        assert!(
            matches!(github, OAuthError::ProviderError { ref code, .. } if code == "bad_verification_code")
        );
        let facebook = refused(
            StatusCode::BAD_REQUEST,
            JSON,
            r#"{"error":{"message":"This authorization code has expired.","type":"OAuthException","code":100,"fbtrace_id":"A1b"}}"#,
        );
        assert!(
            matches!(facebook, OAuthError::ProviderError { ref code, .. } if code == "OAuthException:100")
        );
        let instagram = refused(
            StatusCode::BAD_REQUEST,
            JSON,
            r#"{"error_type":"OAuthException","code":400,"error_message":"Invalid platform app"}"#,
        );
        assert!(matches!(instagram, OAuthError::ProviderError { ref code, .. } if code == "OAuthException"));
        let form = refused(
            StatusCode::OK,
            Some("application/x-www-form-urlencoded"),
            "error=incorrect_client_credentials",
        );
        assert!(matches!(form, OAuthError::ProviderError { .. }));
    }

    #[test]
    fn broken_answers_are_refused() {
        for (status, content_type, body) in [
            (StatusCode::INTERNAL_SERVER_ERROR, JSON, "{}"),
            (StatusCode::OK, Some("text/html"), "<html>oops</html>"),
            (StatusCode::OK, JSON, r#"{"token_type":"bearer"}"#),
            (StatusCode::OK, JSON, r#"{"access_token":""}"#),
            (StatusCode::OK, JSON, r#"{"access_token":"a","token_type":"mac"}"#),
            (
                StatusCode::OK,
                JSON,
                r#"{"access_token":"a","expires_in":"soon"}"#,
            ),
            (StatusCode::OK, JSON, r#"["access_token"]"#),
            (StatusCode::OK, JSON, r#"{"data":[]}"#),
        ] {
            let error = refused(status, content_type, body);
            assert!(
                matches!(error, OAuthError::UnexpectedResponse { .. }),
                "{body}: {error}"
            );
        }
    }

    #[test]
    fn errors_never_carry_the_body() {
        let error = refused(
            StatusCode::BAD_GATEWAY,
            JSON,
            r#"{"access_token":"leaked-token"}"#,
        );
        assert!(!error.to_string().contains("leaked-token"));
    }

    mod properties {
        use proptest::prelude::*;
        use secrecy::ExposeSecret;

        use super::super::*;

        proptest! {
            #[test]
            fn any_answer_is_parsed_or_refused_without_panicking(
                status in 100u16..600,
                form in any::<bool>(),
                body in proptest::collection::vec(any::<u8>(), 0..300),
            ) {
                let status = http::StatusCode::from_u16(status).unwrap();
                let content_type = if form { "application/x-www-form-urlencoded" } else { "application/json" };
                let _ = parse(status, Some(content_type), &body);
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
                let parsed = parse(http::StatusCode::OK, Some("application/json"), &body).unwrap();
                prop_assert_eq!(parsed.access_token.expose_secret(), access_token.as_str());
                prop_assert_eq!(parsed.id_token, id_token);
            }
        }
    }
}
