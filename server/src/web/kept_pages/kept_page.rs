//! A rendered page kept with its CSP nonce cut out, sent again with a fresh nonce in the page
//! and in its policy alike.

use axum::{
    body::{Body, Bytes, to_bytes},
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use leptos::nonce::Nonce;

use crate::web::{compression, headers::is_html};

/// Far above any page's size; a body past it is a fault, not a page.
const MOST_PAGE_BYTES: usize = 1 << 20;

/// The page once rendered: its headers but the policy, and the policy and the body as the text
/// around each place the nonce was.
pub struct KeptPage {
    headers: HeaderMap,
    policy: AroundNonce,
    body: AroundNonce,
}

impl KeptPage {
    /// Keeps a rendered page whose policy names its nonce; a page that sets a cookie, or is not
    /// a 200 HTML page, is never kept.
    fn keep(headers: &HeaderMap, status: StatusCode, body: &Bytes) -> Option<Self> {
        if status != StatusCode::OK || !is_html(headers) || headers.contains_key(header::SET_COOKIE) {
            return None;
        }
        let policy = headers.get(header::CONTENT_SECURITY_POLICY)?.as_bytes();
        let nonce = nonce_in(policy)?;
        let mut kept_headers = headers.clone();
        kept_headers.remove(header::CONTENT_SECURITY_POLICY);
        kept_headers.remove(header::CONTENT_LENGTH);
        kept_headers.remove(header::TRANSFER_ENCODING);
        Some(Self {
            headers: kept_headers,
            policy: AroundNonce::cut(policy, nonce),
            body: AroundNonce::cut(body, nonce),
        })
    }

    fn with_fresh_nonce(&self) -> Response {
        let nonce = Nonce::new();
        let Ok(policy) = HeaderValue::from_bytes(&self.policy.fill(nonce.as_bytes())) else {
            // A nonce is URL-safe base64, which a header value always holds.
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let mut response = Response::new(Body::from(self.body.fill(nonce.as_bytes())));
        *response.headers_mut() = self.headers.clone();
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
        response
    }
}

/// `'nonce-VALUE'` in a policy: VALUE.
fn nonce_in(policy: &[u8]) -> Option<&[u8]> {
    const START: &[u8] = b"'nonce-";
    let at = policy.windows(START.len()).position(|w| w == START)? + START.len();
    let length = policy[at..].iter().position(|&b| b == b'\'')?;
    (length > 0).then(|| &policy[at..at + length])
}

/// Text with a nonce taken out wherever it was.
struct AroundNonce(Vec<Bytes>);

impl AroundNonce {
    fn cut(text: &[u8], nonce: &[u8]) -> Self {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.windows(nonce.len()).position(|w| w == nonce) {
            pieces.push(Bytes::copy_from_slice(&rest[..at]));
            rest = &rest[at + nonce.len()..];
        }
        pieces.push(Bytes::copy_from_slice(rest));
        Self(pieces)
    }

    fn fill(&self, nonce: &[u8]) -> Vec<u8> {
        let length = self.0.iter().map(Bytes::len).sum::<usize>() + nonce.len() * (self.0.len() - 1);
        let mut text = Vec::with_capacity(length);
        for (index, piece) in self.0.iter().enumerate() {
            if index > 0 {
                text.extend_from_slice(nonce);
            }
            text.extend_from_slice(piece);
        }
        text
    }
}

/// `kept` with a fresh nonce when there is one, else the page rendered for `request` and, when
/// it can be kept, the page to keep; either way compressed as the browser accepts, the page to
/// keep taken before compression.
pub async fn answer(
    kept: Option<&KeptPage>,
    mut request: Request,
    next: Next,
) -> (Response, Option<KeptPage>) {
    let accepts = request.headers_mut().remove(header::ACCEPT_ENCODING);
    let (page, to_keep) = match kept {
        Some(kept) => (kept.with_fresh_nonce(), None),
        None => render(request, next).await,
    };
    (compression::compressed(accepts, page).await, to_keep)
}

/// Renders the page for `request`, which asks for it uncompressed, and keeps it when it can be
/// kept.
async fn render(request: Request, next: Next) -> (Response, Option<KeptPage>) {
    let (parts, body) = next.run(request).await.into_parts();
    match to_bytes(body, MOST_PAGE_BYTES).await {
        Ok(body) => {
            let kept = KeptPage::keep(&parts.headers, parts.status, &body);
            (Response::from_parts(parts, Body::from(body)), kept)
        }
        Err(error) => {
            tracing::error!(%error, "a page could not be rendered");
            let failed = (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be shown. Try again.",
            );
            (failed.into_response(), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_is_found_in_the_policy_and_replaced_everywhere() {
        let policy = b"script-src 'nonce-abc_9' 'strict-dynamic'; object-src 'none'";
        let nonce = nonce_in(policy).unwrap();
        assert_eq!(nonce, b"abc_9");
        let body = AroundNonce::cut(b"<script nonce=\"abc_9\"></script><link nonce=\"abc_9\">", nonce);
        assert_eq!(
            body.fill(b"NEW"),
            b"<script nonce=\"NEW\"></script><link nonce=\"NEW\">"
        );
        assert_eq!(
            AroundNonce::cut(policy, nonce).fill(b"x"),
            b"script-src 'nonce-x' 'strict-dynamic'; object-src 'none'"
        );
    }

    #[test]
    fn a_policy_without_a_nonce_keeps_nothing() {
        assert_eq!(nonce_in(b"default-src 'none'"), None);
        assert_eq!(nonce_in(b"script-src 'nonce-'"), None);
    }
}
