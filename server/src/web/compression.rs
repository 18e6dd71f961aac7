//! Pages are compressed as they are sent (brotli or gzip, as the browser accepts); the built
//! assets already have `.br` and `.gz` siblings, and server-function answers are small JSON
//! whose compression would cost more CPU per sign-in than it saves in bytes. No page holds a
//! secret that lasts beyond its response (the CSP nonce is new each time), so compressing
//! pages that may reflect a query gives BREACH nothing to find.

use std::convert::Infallible;

use axum::{
    body::Body,
    http::{Extensions, HeaderMap, HeaderValue, StatusCode, Version, header},
    response::Response,
};
use tower::{Layer, ServiceExt, service_fn};
use tower_http::compression::{
    CompressionLayer, CompressionLevel,
    predicate::{DefaultPredicate, Predicate},
};

use super::headers::is_html;

/// Quality 5 of 11 for brotli (5 of 9 for gzip): most of the saving at a small part of the
/// top level's CPU.
const QUALITY: i32 = 5;

pub fn pages() -> CompressionLayer<impl Predicate> {
    let html = |_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| is_html(headers);
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(QUALITY))
        .compress_when(DefaultPredicate::new().and(html))
}

/// A page sent from memory, or rendered uncompressed to be kept, compressed as the browser
/// accepts (`accepts`, taken from its request) as the layer compresses any other page.
pub async fn compressed(accepts: Option<HeaderValue>, page: Response) -> Response {
    // The page rides in the request to a service that answers with it, behind compression.
    let mut asked = http::Request::new(page);
    if let Some(accepts) = accepts {
        asked.headers_mut().insert(header::ACCEPT_ENCODING, accepts);
    }
    let compressed = pages()
        .layer(service_fn(|asked: http::Request<Response>| {
            std::future::ready(Ok::<_, Infallible>(asked.into_body()))
        }))
        .oneshot(asked)
        .await;
    match compressed {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}
