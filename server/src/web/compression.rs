//! Pages are compressed as they are sent (brotli or gzip, as the browser accepts); the built
//! assets already have `.br` and `.gz` siblings, and server-function answers are small JSON
//! whose compression would cost more CPU per sign-in than it saves in bytes. No page holds a
//! secret that lasts beyond its response (the CSP nonce is new each time), so compressing
//! pages that may reflect a query gives BREACH nothing to find.

use axum::http::{Extensions, HeaderMap, StatusCode, Version};
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
