//! What the `oauth2` crate cannot send or read, mended between it and the provider. The crate
//! speaks RFC 6749 to the letter; these providers do not:
//! - Facebook documents its token endpoint as a GET with every parameter in the query; the crate
//!   only POSTs a form.
//! - GitHub answers errors with HTTP 200, and with a form body unless asked for JSON (old
//!   Facebook answers were forms too).
//! - Facebook's errors are objects (`{"error": {"type", "code", ...}}`); Instagram's are an
//!   `error_type`.
//! - Instagram wraps the grant in `data: [...]` and sends no `token_type`.
//! - `expires_in` comes as a string of digits from some providers.
//!
//! Everything else (client authentication, grant parameters, PKCE, reading the grant and RFC
//! 6749 errors, the checks on status and content type) stays the crate's.

use std::{
    future::Future,
    pin::Pin,
    sync::atomic::{AtomicU16, Ordering},
};

use http::{HeaderValue, Method, StatusCode, header};
use openidconnect::{AsyncHttpClient, HttpClientError, HttpRequest, HttpResponse};
use serde_json::{Map, Value};

use super::error_code;
use crate::{provider_http::ProviderHttp, providers::protocol::ClientAuth};

/// The crate's HTTP client for one provider: sends each request the crate built in the form the
/// provider documents, and hands back each answer in the shape RFC 6749 gives it.
pub struct Transport<'a> {
    http: &'a ProviderHttp,
    client_auth: ClientAuth,
    /// The status the provider last answered with, for the log when its answer is unreadable.
    answered: AtomicU16,
}

impl<'a> Transport<'a> {
    pub fn new(http: &'a ProviderHttp, client_auth: ClientAuth) -> Self {
        Self {
            http,
            client_auth,
            answered: AtomicU16::new(0),
        }
    }

    pub fn answered(&self) -> Option<StatusCode> {
        StatusCode::from_u16(self.answered.load(Ordering::Relaxed)).ok()
    }
}

impl<'c> AsyncHttpClient<'c> for Transport<'_> {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        let request = match self.client_auth {
            ClientAuth::Query => as_query(request),
            ClientAuth::Basic | ClientAuth::FormPost => request,
        };
        Box::pin(async move {
            let response = self.http.send(request).await?;
            self.answered.store(response.status().as_u16(), Ordering::Relaxed);
            Ok(normalize(response))
        })
    }
}

/// The POSTed form moved into the query of a GET.
fn as_query(request: HttpRequest) -> HttpRequest {
    let (mut parts, form) = request.into_parts();
    let query = String::from_utf8(form).unwrap_or_default();
    let mut uri = parts.uri.to_string();
    uri.push(if parts.uri.query().is_some() { '&' } else { '?' });
    uri.push_str(&query);
    // The URI came from a valid URL and the form is already URL-encoded, so it still parses;
    // if it somehow did not, the POST goes out unchanged and the provider says what it thinks.
    match uri.parse() {
        Ok(uri) => {
            parts.uri = uri;
            parts.method = Method::GET;
            parts.headers.remove(header::CONTENT_TYPE);
            HttpRequest::from_parts(parts, Vec::new())
        }
        Err(_) => HttpRequest::from_parts(parts, query.into_bytes()),
    }
}

/// A JSON or form answer, rewritten as RFC 6749 JSON; anything else is passed on untouched for
/// the crate to refuse.
pub(super) fn normalize(response: HttpResponse) -> HttpResponse {
    let (mut parts, body) = response.into_parts();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let Some(object) = read_object(&content_type, &body) else {
        return HttpResponse::from_parts(parts, body);
    };
    let (status, object) = standard_shape(parts.status, object);
    let Ok(body) = serde_json::to_vec(&object) else {
        return HttpResponse::from_parts(parts, body);
    };
    parts.status = status;
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    HttpResponse::from_parts(parts, body)
}

fn read_object(content_type: &str, body: &[u8]) -> Option<Map<String, Value>> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        return Some(pairs);
    }
    match serde_json::from_slice(body).ok()? {
        Value::Object(object) => Some(object),
        _ => None,
    }
}

fn standard_shape(status: StatusCode, mut object: Map<String, Value>) -> (StatusCode, Map<String, Value>) {
    if let Some(Value::Array(items)) = object.get("data")
        && let [Value::Object(inner)] = items.as_slice()
    {
        object = inner.clone();
    }
    if let Some(code) = provider_error(&object) {
        let status = if status.is_success() {
            StatusCode::BAD_REQUEST
        } else {
            status
        };
        return (
            status,
            Map::from_iter([("error".to_owned(), Value::String(code))]),
        );
    }
    if object.contains_key("access_token") && !object.contains_key("token_type") {
        object.insert("token_type".into(), Value::String("bearer".into()));
    }
    if let Some(seconds) = object.get("expires_in").and_then(lifetime) {
        object.insert("expires_in".into(), Value::from(seconds));
    }
    (status, object)
}

/// An `expires_in`: whole seconds, as a number or as a string of digits.
pub(super) fn lifetime(value: &Value) -> Option<u64> {
    match value {
        Value::Number(seconds) => seconds.as_u64(),
        Value::String(seconds) => seconds.parse().ok(),
        _ => None,
    }
}

/// The error code of an error body, in any of the shapes providers use.
pub(super) fn provider_error(object: &Map<String, Value>) -> Option<String> {
    let code = match (object.get("error"), object.get("error_type")) {
        (Some(Value::String(code)), _) => code.clone(),
        // Facebook: {"error": {"message", "type": "OAuthException", "code": 100, ...}}
        (Some(Value::Object(error)), _) => {
            let kind = error.get("type").and_then(Value::as_str).unwrap_or("error");
            match error.get("code") {
                Some(code) => format!("{kind}:{code}"),
                None => kind.to_owned(),
            }
        }
        // Instagram: {"error_type": "OAuthException", "code": 400, "error_message": "..."}
        (_, Some(Value::String(kind))) => kind.clone(),
        _ => return None,
    };
    Some(error_code(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facebook_gets_its_parameters_in_the_query() {
        let posted = http::Request::builder()
            .method(Method::POST)
            .uri("https://graph.facebook.com/v25.0/oauth/access_token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(b"grant_type=authorization_code&code=a%2Bb&client_id=1".to_vec())
            .unwrap();
        let sent = as_query(posted);
        assert_eq!(sent.method(), Method::GET);
        assert_eq!(
            sent.uri().to_string(),
            "https://graph.facebook.com/v25.0/oauth/access_token?grant_type=authorization_code&code=a%2Bb&client_id=1"
        );
        assert!(sent.body().is_empty());
        assert!(sent.headers().get(header::CONTENT_TYPE).is_none());
    }

    #[test]
    fn anything_but_json_or_a_form_passes_untouched() {
        let html = http::Response::builder()
            .status(200)
            .header(header::CONTENT_TYPE, "text/html")
            .body(b"<html>oops</html>".to_vec())
            .unwrap();
        let passed = normalize(html);
        assert_eq!(passed.body(), b"<html>oops</html>");
        assert_eq!(passed.headers()[header::CONTENT_TYPE], "text/html");
    }
}
