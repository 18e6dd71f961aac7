//! The Content Security Policy of HTML pages: scripts run only with this response's nonce
//! (and what they load, by `'strict-dynamic'`), plus the wasm compilation hydration needs.

use leptos::{nonce, prelude::*};
use leptos_axum::ResponseOptions;

/// Gives this response a fresh nonce, which Leptos puts on its scripts, and the header to match.
pub fn provide_nonce_and_policy() {
    nonce::provide_nonce();
    if let (Some(nonce), Some(response)) = (nonce::use_nonce(), use_context::<ResponseOptions>())
        && let Ok(value) = http::HeaderValue::from_str(&policy(&nonce))
    {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

fn policy(nonce: &str) -> String {
    format!(
        "script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'"
    )
}
