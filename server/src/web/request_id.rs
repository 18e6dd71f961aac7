//! Every request gets an id, returned in `X-Request-Id` and, with JSON logs, carried by the
//! span its log lines are written in, so an operator can find one request's lines, also
//! across a proxy that already set the header. Text logs go without the span: it costs every
//! request a few microseconds, and text logs are for development.

use std::fmt::Write;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::HeaderValue;
use rand::Rng;
use tracing::Instrument;

use super::client_address::ClientAddress;

const HEADER: &str = "x-request-id";

/// Whether each request runs in a span carrying its id, method, path and client.
#[derive(Clone, Copy)]
pub struct RequestSpans(pub bool);

pub async fn assign(
    State(RequestSpans(spans)): State<RequestSpans>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_plain_id(value))
        .map(str::to_owned)
        .unwrap_or_else(generate);
    let Ok(value) = HeaderValue::from_str(&id) else {
        return next.run(request).await;
    };
    request.headers_mut().insert(HEADER, value.clone());
    let mut response = if spans {
        let client = request.extensions().get::<ClientAddress>().map(|client| client.0);
        let span = tracing::info_span!(
            "request",
            request_id = %id,
            method = %request.method(),
            path = request.uri().path(),
            client = client.map(tracing::field::display),
        );
        next.run(request).instrument(span).await
    } else {
        next.run(request).await
    };
    response.headers_mut().insert(HEADER, value);
    response
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
    let mut id = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        let _ = write!(id, "{byte:02x}");
    }
    id
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
