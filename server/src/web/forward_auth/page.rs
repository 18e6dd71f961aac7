//! The two small pages of forward auth, written here rather than in the app: they need no
//! script, so they carry a policy that allows none.

use axum::response::{Html, IntoResponse, Response};
use http::{StatusCode, header};

/// No script, no frames; the stylesheet and the form go to this site.
const POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A person the policy refuses, named, with a way to sign in with another account: signed
/// out, the browser goes back to `target`, whose proxy then sends it to sign in again.
pub(super) fn refused(account: &str, provider: &str, target: &str) -> Response {
    let body = format!(
        r#"<section class="card error" role="alert">
  <h1>Not allowed</h1>
  <p>You are signed in as <strong>{account}</strong> with {provider}, and that account may not open this app.</p>
  <p>Sign in with another account, or ask whoever runs this app to let this one in.</p>
  <form method="post" action="/auth/sign-out">
    <input type="hidden" name="rd" value="{target}">
    <button type="submit" class="button">Sign in with another account</button>
  </form>
</section>"#,
        account = escape(account),
        provider = escape(provider),
        target = escape(target),
    );
    document(StatusCode::FORBIDDEN, "Not allowed", &body)
}

pub(super) fn sign_out(target: &str) -> Response {
    let body = format!(
        r#"<section class="card">
  <h1>Sign out</h1>
  <form method="post" action="/auth/sign-out">
    <input type="hidden" name="rd" value="{target}">
    <button type="submit" class="button">Sign out</button>
  </form>
</section>"#,
        target = escape(target),
    );
    document(StatusCode::OK, "Sign out", &body)
}

pub(super) fn unavailable() -> Response {
    let body = r#"<section class="card error" role="alert">
  <h1>Please try again</h1>
  <p>Something went wrong on our side. Please try again in a moment.</p>
</section>"#;
    document(StatusCode::SERVICE_UNAVAILABLE, "Please try again", body)
}

fn document(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/pkg/app.css">
<title>{title}</title>
</head>
<body><main class="page">
{body}
</main></body>
</html>
"#
    );
    (
        status,
        [
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Html(html),
    )
        .into_response()
}

/// Text for HTML, in content and in quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn text_cannot_become_markup() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
