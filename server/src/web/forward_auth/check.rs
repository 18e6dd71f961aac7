//! `GET /auth/check`: 202 with who it is for a live session the policy allows, 401 without a
//! live session, 403 for a person the policy refuses; never cached. In the steady state it
//! reads nothing from the database (see `store::session_cache`).
//!
//! Traefik's `forwardAuth` and Caddy's `forward_auth` hand a refusal to the browser as it is,
//! and cannot build a sign-in URL themselves: asked as `/auth/check?redirect=true`, the check
//! answers a refusal with a 302 to `/auth/start`, its `rd` made of the `X-Forwarded-Proto`,
//! `-Host` and `-Uri` they send (and held to the same rules as any `rd`). nginx's
//! `auth_request` takes only 2xx, 401 and 403, so it asks without.

use std::sync::Arc;

use axum::{
    extract::{RawQuery, State},
    response::{IntoResponse, Response},
};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use secrecy::ExposeSecret;

use super::ForwardAuth;
use crate::flow::return_path;

pub(super) const PATH: &str = "/auth/check";

const USER: HeaderName = HeaderName::from_static("x-auth-request-user");
const EMAIL: HeaderName = HeaderName::from_static("x-auth-request-email");
const PREFERRED_USERNAME: HeaderName = HeaderName::from_static("x-auth-request-preferred-username");
const PROVIDER: HeaderName = HeaderName::from_static("x-auth-request-provider");
const ACCESS_TOKEN: HeaderName = HeaderName::from_static("x-auth-request-access-token");

pub(super) async fn check(
    State(forward_auth): State<Arc<ForwardAuth>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let status = |status: StatusCode| (status, [(header::CACHE_CONTROL, "no-store")]).into_response();
    let refuse = |refusal: StatusCode| {
        if query.as_deref() == Some("redirect=true") {
            to_sign_in(&forward_auth, &headers)
        } else {
            status(refusal)
        }
    };
    let Some(id) = forward_auth.cookie.id(&headers) else {
        return refuse(StatusCode::UNAUTHORIZED);
    };
    let session = match forward_auth.sessions.profile(&forward_auth.db, &id).await {
        Ok(Some(session)) => session,
        Ok(None) => return refuse(StatusCode::UNAUTHORIZED),
        Err(error) => {
            tracing::error!(%error, "database error while checking a session");
            return status(StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    if !forward_auth.allows(&session).await {
        return refuse(StatusCode::FORBIDDEN);
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
    if session.identity_email_verified == Some(true)
        && let Some(email) = &session.identity_email
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

/// A 302 to `/auth/start`, whose `rd` is the request the proxy was asked about.
fn to_sign_in(forward_auth: &ForwardAuth, headers: &HeaderMap) -> Response {
    let forwarded = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let asked = match (
        forwarded("x-forwarded-proto"),
        forwarded("x-forwarded-host"),
        forwarded("x-forwarded-uri"),
    ) {
        (Some(scheme), Some(host), Some(uri)) => Some(format!("{scheme}://{host}{uri}")),
        _ => None,
    };
    let target = return_path::sanitize(asked.as_deref(), &forward_auth.redirect_hosts);
    let mut start = forward_auth
        .app_url
        .join("auth/start")
        .expect("a fixed path joins");
    start.query_pairs_mut().append_pair("rd", &target);
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, start.to_string()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}
