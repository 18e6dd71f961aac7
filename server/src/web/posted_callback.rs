//! `POST /auth/callback/{provider}`: Apple answers with a cross-site form POST when a name or
//! email is asked (`response_mode=form_post`), and a browser sends no `SameSite=Lax` cookie with
//! it, so the sign-in's binding cannot be checked here. The POST only hands over: the name Apple
//! posts at a first authorization is kept with the sign-in its `state` names, and a `303` sends
//! the browser to the same callback as a GET with `code` and `state` (or `error`), where the
//! binding cookie comes along and the sign-in is checked as every other is. A provider not in
//! form_post mode gets `405`: its callbacks are GETs.

use std::sync::Arc;

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{Method, StatusCode, header};
use serde_json::Value;

use crate::{
    providers::{Protocol, protocol::ResponseMode},
    registry::ProviderRegistry,
    store::{Database, transactions},
};

pub const PATH_PREFIX: &str = "/auth/callback/";
/// Apple's form is a code, a state, an ID token and a short JSON object.
const MAX_BODY: usize = 16 * 1024;
const MAX_NAME_CHARS: usize = 120;

#[derive(Clone)]
pub struct PostedCallbacks {
    pub db: Database,
    pub registry: Arc<ProviderRegistry>,
}

/// Whether `request` is a POSTed callback, which this module answers (the cross-site guard
/// lets it through: it changes nothing a cross-site request could abuse).
pub fn is_posted_callback(request: &Request) -> bool {
    request.method() == Method::POST && request.uri().path().starts_with(PATH_PREFIX)
}

pub async fn hand_over(State(callbacks): State<PostedCallbacks>, request: Request, next: Next) -> Response {
    if !is_posted_callback(&request) {
        return next.run(request).await;
    }
    let provider_id = request.uri().path()[PATH_PREFIX.len()..].to_owned();
    let form_post = callbacks.registry.get(&provider_id).is_some_and(|provider| {
        matches!(&provider.config.protocol, Protocol::Oidc(settings) if settings.response_mode == ResponseMode::FormPost)
    });
    if !form_post {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET")],
            "This provider's callback is a GET; a POSTed one is not accepted.\n",
        )
            .into_response();
    }
    let Ok(body) = to_bytes(request.into_body(), MAX_BODY).await else {
        return refuse("The callback form is too large.");
    };
    let form = match PostedForm::parse(&body) {
        Ok(form) => form,
        Err(problem) => return refuse(problem),
    };
    if let (Some(state), Some(name)) = (&form.state, &form.name) {
        // An unknown or expired state keeps nothing; the GET below then says the sign-in failed.
        if let Err(error) =
            transactions::accept_posted_callback(&callbacks.db, &provider_id, state, Some(name)).await
        {
            tracing::error!(%error, "could not keep the name posted with a callback");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                "The sign-in could not be continued just now; please try again.\n",
            )
                .into_response();
        }
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("code", &form.code),
        ("state", &form.state),
        ("error", &form.error),
    ] {
        if let Some(value) = value {
            query.append_pair(key, value);
        }
    }
    let location = format!("{PATH_PREFIX}{provider_id}?{}", query.finish());
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::empty())
        .unwrap_or_else(|_| refuse("The callback could not be continued."))
}

fn refuse(problem: &'static str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CACHE_CONTROL, "no-store")],
        format!("{problem} Start signing in again.\n"),
    )
        .into_response()
}

/// The fields of a posted callback that are passed on or kept.
#[derive(Debug, Default, PartialEq, Eq)]
struct PostedForm {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// From Apple's `user` field: `{"name": {"firstName", "lastName"}, "email"}`.
    name: Option<String>,
}

impl PostedForm {
    fn parse(body: &[u8]) -> Result<Self, &'static str> {
        let mut form = Self::default();
        let mut user = None;
        for (key, value) in url::form_urlencoded::parse(body) {
            let slot = match key.as_ref() {
                "code" => &mut form.code,
                "state" => &mut form.state,
                "error" => &mut form.error,
                "user" => &mut user,
                _ => continue,
            };
            if slot.is_some() {
                return Err("A callback field was given twice.");
            }
            if value.contains('\u{FFFD}') {
                return Err("The callback form is malformed.");
            }
            *slot = Some(value.into_owned());
        }
        form.name = user.as_deref().and_then(name_of_user);
        Ok(form)
    }
}

/// The person's name from Apple's `user` field; `None` when it names no one.
fn name_of_user(user: &str) -> Option<String> {
    let user: Value = serde_json::from_str(user).ok()?;
    let part = |key: &str| {
        user.pointer(&format!("/name/{key}"))
            .and_then(Value::as_str)
            .map(str::trim)
    };
    let name = [part("firstName"), part("lastName")]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let name: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    (!name.trim().is_empty()).then(|| name.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn apples_form_is_read_and_the_name_kept() {
        let user =
            r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"x@privaterelay.appleid.com"}"#;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("state", "s")
            .append_pair("code", "c")
            .append_pair("id_token", "h.p.s")
            .append_pair("user", user)
            .finish();
        let form = PostedForm::parse(body.as_bytes()).unwrap();
        assert_eq!(form.code.as_deref(), Some("c"));
        assert_eq!(form.state.as_deref(), Some("s"));
        assert_eq!(form.name.as_deref(), Some("Ada Lovelace"));
    }

    #[test]
    fn names_are_trimmed_bounded_and_optional() {
        assert_eq!(
            name_of_user(r#"{"name":{"firstName":" Ada "}}"#).as_deref(),
            Some("Ada")
        );
        assert_eq!(
            name_of_user(r#"{"name":{"lastName":"Lovelace\u0007"}}"#).as_deref(),
            Some("Lovelace")
        );
        assert_eq!(name_of_user(r#"{"name":{"firstName":"","lastName":" "}}"#), None);
        assert_eq!(name_of_user(r#"{"email":"a@b.example"}"#), None);
        assert_eq!(name_of_user("not json"), None);
        let long = format!(r#"{{"name":{{"firstName":"{}"}}}}"#, "a".repeat(500));
        assert_eq!(name_of_user(&long).unwrap().chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn duplicates_and_broken_encoding_are_refused() {
        assert!(PostedForm::parse(b"state=a&state=b").is_err());
        assert!(PostedForm::parse(b"code=%FF").is_err());
    }

    proptest! {
        #[test]
        fn any_body_is_read_or_refused_without_panicking(body in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = PostedForm::parse(&body);
        }
    }
}
