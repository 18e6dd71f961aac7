//! Every request gets an id, carried by the span its logs are written in and returned in
//! `X-Request-Id`, so an operator can find one request's lines, also across a proxy that
//! already set the header.

use axum::{extract::Request, middleware::Next, response::Response};
use http::HeaderValue;
use rand::Rng;
use tracing::Instrument;

use super::client_address::ClientAddress;

const HEADER: &str = "x-request-id";

pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_plain_id(value))
        .map(str::to_owned)
        .unwrap_or_else(generate);
    let client = request.extensions().get::<ClientAddress>().map(|client| client.0);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = request.uri().path(),
        client = client.map(tracing::field::display),
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        request.headers_mut().insert(HEADER, value.clone());
        let mut response = next.run(request).instrument(span.clone()).await;
        span.in_scope(|| tracing::debug!(status = response.status().as_u16(), "answered"));
        response.headers_mut().insert(HEADER, value);
        return response;
    }
    next.run(request).instrument(span).await
}

/// An id from upstream is kept only if it is short and plain, so it cannot forge log lines.
fn is_plain_id(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn generate() -> String {
    let bytes: [u8; 12] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_ids_must_be_plain() {
        assert!(is_plain_id("3f2a-req.7_x"));
        assert!(!is_plain_id(""));
        assert!(!is_plain_id("a b"));
        assert!(!is_plain_id("line\nbreak"));
        assert!(!is_plain_id(&"x".repeat(65)));
        assert!(is_plain_id(&generate()));
        assert_ne!(generate(), generate());
    }
}
