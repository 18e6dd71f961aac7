//! The edge of the server functions (`/api/…`): bodies are bounded before they are read, and
//! input the server-function layer refuses before our code runs (a body that does not decode,
//! a missing field) is answered with the 4xx its error names, not the 500 that layer gives it.

use app::error::AuthError;
use axum::{
    body::{Body, Bytes},
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};

/// The largest body a server function accepts. The largest legitimate call is
/// `complete_sign_in`, whose callback query is rarely more than a few kilobytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Error answers from the server-function layer are a short JSON value.
const MAX_ERROR_BYTES: usize = 64 * 1024;

pub async fn bound_and_classify(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let body = match read_at_most(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return too_large(),
        Err(BodyError::Unreadable) => {
            return refusal(AuthError::BadRequest("the request body could not be read".into()));
        }
    };
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    if response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        with_the_status_of_its_error(response).await
    } else {
        response
    }
}

enum BodyError {
    TooLarge,
    Unreadable,
}

async fn read_at_most(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Unreadable),
    }
}

/// A 500 whose body is an [`AuthError`] that is the client's fault gets that error's status.
async fn with_the_status_of_its_error(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = read_at_most(body, MAX_ERROR_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Body::empty()).into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AuthError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn too_large() -> Response {
    let mut response = refusal(AuthError::BadRequest(format!(
        "the request is larger than {} KiB",
        MAX_BODY_BYTES / 1024
    )));
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    response
}

fn refusal(error: AuthError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::to_string(&error).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
