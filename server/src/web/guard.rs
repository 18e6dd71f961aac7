//! Refuses cross-site state-changing requests, which reach server functions (login CSRF,
//! sign-out CSRF): any request but GET, HEAD and OPTIONS must say it is same-origin, by
//! `Sec-Fetch-Site` or, failing that, by `Origin`.

use std::sync::Arc;

use app::error::AuthError;
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{HeaderMap, Method, StatusCode, header};

/// The origin of `APP_URL`, e.g. `http://localhost:3000`.
#[derive(Clone)]
pub struct AppOrigin(pub Arc<str>);

pub async fn refuse_cross_site(State(origin): State<AppOrigin>, request: Request, next: Next) -> Response {
    // A provider's back-channel logout, Apple's notifications, Google's security events and
    // Facebook's data callbacks
    // come from its server, and their signatures prove it. Apple's POSTed callback is only handed on to a GET.
    let path = request.uri().path();
    let from_a_provider = path.starts_with(super::back_channel::PATH_PREFIX)
        || path.starts_with(super::apple_notifications::PATH_PREFIX)
        || path.starts_with(super::security_events::PATH_PREFIX)
        || path.starts_with(super::data_deletion::DELETION_PREFIX)
        || path.starts_with(super::data_deletion::DEAUTHORIZE_PREFIX)
        || super::posted_callback::is_posted_callback(&request);
    if from_a_provider || is_safe_method(request.method()) || is_same_origin(request.headers(), &origin.0) {
        return next.run(request).await;
    }
    tracing::warn!(path = request.uri().path(), "refused a cross-site request");
    let body = serde_json::to_string(&AuthError::CrossSite).unwrap_or_default();
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_same_origin(headers: &HeaderMap, app_origin: &str) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &http::HeaderValue| v.to_str().ok())
    };
    match text(header::HeaderName::from_static("sec-fetch-site")) {
        Some(site) => site == "same-origin",
        None => text(header::ORIGIN).is_some_and(|o| o == app_origin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (header::HeaderName::from_static(k), v.parse().unwrap()))
            .collect()
    }

    const APP: &str = "http://localhost:3000";

    #[test]
    fn same_origin_requests_pass() {
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            APP
        ));
        assert!(is_same_origin(
            &headers(&[("origin", "http://localhost:3000")]),
            APP
        ));
    }

    #[test]
    fn cross_site_sibling_null_and_anonymous_requests_fail() {
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            APP
        ));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "same-site")]), APP));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "none")]), APP));
        // Sec-Fetch-Site wins over a matching Origin.
        assert!(!is_same_origin(
            &headers(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://localhost:3000")
            ]),
            APP
        ));
        assert!(!is_same_origin(&headers(&[("origin", "null")]), APP));
        assert!(!is_same_origin(
            &headers(&[("origin", "http://evil.localhost:3000")]),
            APP
        ));
        assert!(!is_same_origin(&headers(&[]), APP));
    }
}
