//! `GET /auth/check`: 202 with who it is for a live session the policy allows, 401 without a
//! live session, 403 for a person the policy refuses; never cached. In the steady state it
//! reads nothing from the database (see `store::session_cache`).

use std::sync::Arc;

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use secrecy::ExposeSecret;

use super::ForwardAuth;

const USER: HeaderName = HeaderName::from_static("x-auth-request-user");
const EMAIL: HeaderName = HeaderName::from_static("x-auth-request-email");
const PREFERRED_USERNAME: HeaderName = HeaderName::from_static("x-auth-request-preferred-username");
const PROVIDER: HeaderName = HeaderName::from_static("x-auth-request-provider");
const ACCESS_TOKEN: HeaderName = HeaderName::from_static("x-auth-request-access-token");

pub(super) async fn check(State(forward_auth): State<Arc<ForwardAuth>>, headers: HeaderMap) -> Response {
    let status = |status: StatusCode| (status, [(header::CACHE_CONTROL, "no-store")]).into_response();
    let Some(id) = forward_auth.cookie.id(&headers) else {
        return status(StatusCode::UNAUTHORIZED);
    };
    let session = match forward_auth.sessions.profile(&forward_auth.db, &id).await {
        Ok(Some(session)) => session,
        Ok(None) => return status(StatusCode::UNAUTHORIZED),
        Err(error) => {
            tracing::error!(%error, "database error while checking a session");
            return status(StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    if !forward_auth.allows(&session).await {
        return status(StatusCode::FORBIDDEN);
    }
    let mut response = status(StatusCode::ACCEPTED);
    let identity = response.headers_mut();
    // Names and addresses may hold any text; one that cannot be a header value is left out.
    let mut put = |name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
            identity.insert(name, value);
        }
    };
    put(USER, &session.user_id.to_string());
    put(PROVIDER, &session.provider_id);
    if session.person.email_verified == Some(true)
        && let Some(email) = &session.person.email
    {
        put(EMAIL, email);
    }
    if let Some(username) = &session.person.username {
        put(PREFERRED_USERNAME, username);
    }
    if forward_auth.pass_access_token {
        match forward_auth.tokens.tokens(session.identity_id).await {
            Ok(tokens) => put(ACCESS_TOKEN, tokens.access_token.expose_secret()),
            Err(error) => tracing::warn!(%error, "no access token to pass on"),
        }
    }
    response
}
