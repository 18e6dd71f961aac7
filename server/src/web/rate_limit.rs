//! Per-client rate limiting of the sign-in server functions (I3), by `tower_governor`.
//! Only the calls that start work at a provider are limited; pages and sign-out are not.
//! The client is the [`ClientAddress`] (behind trusted proxies, the forwarded address).
//! Each server process counts on its own: with several instances, a visitor's budget is
//! per instance.

use std::{sync::Arc, time::Duration};

use app::error::AuthError;
use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::middleware::NoOpMiddleware;
use http::{StatusCode, header};
use tower::{Layer, ServiceExt};
use tower_governor::{
    GovernorError, GovernorLayer, governor::GovernorConfigBuilder, key_extractor::KeyExtractor,
};

use super::client_address::ClientAddress;

const LIMITED_PATHS: [&str; 5] = [
    "/api/begin_sign_in",
    "/api/complete_sign_in",
    "/api/start_sign_in",
    "/api/start_connect",
    "/api/finish_held_sign_in",
];
/// The callback page completes sign-ins begun by a plain form while it renders.
const LIMITED_PREFIX: &str = "/auth/callback/";
/// Addresses whose budget is full again are forgotten this often, so the limiter's memory
/// follows the visitors of the last minute, not every address ever seen.
const FORGET_EVERY: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct SignInRateLimit(Arc<GovernorLayer<ClientKey, NoOpMiddleware, Body>>);

/// Keys the limiter by the address `client_address::resolve` recorded.
#[derive(Clone, Copy)]
pub struct ClientKey;

impl KeyExtractor for ClientKey {
    type Key = std::net::IpAddr;

    fn extract<T>(&self, request: &http::Request<T>) -> Result<Self::Key, GovernorError> {
        request
            .extensions()
            .get::<ClientAddress>()
            .map(|client| client.0)
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

impl SignInRateLimit {
    /// The limiter (`burst` calls per address, then one more every `refill`), and the task
    /// that forgets idle addresses for as long as the server runs. Both must be non-zero
    /// (settings checks them).
    pub fn start(burst: u32, refill: Duration) -> Option<Self> {
        let config = GovernorConfigBuilder::default()
            .key_extractor(ClientKey)
            .period(refill)
            .burst_size(burst)
            .finish()?;
        let limiter = config.limiter().clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(FORGET_EVERY);
            loop {
                ticker.tick().await;
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        });
        Some(Self(Arc::new(GovernorLayer::new(config).error_handler(refusal))))
    }
}

pub async fn limit_sign_in(State(limit): State<SignInRateLimit>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !LIMITED_PATHS.contains(&path) && !path.starts_with(LIMITED_PREFIX) {
        return next.run(request).await;
    }
    match limit.0.layer(next).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// 429 with `Retry-After`, in the error shape the app's server functions understand.
fn refusal(error: GovernorError) -> Response<Body> {
    let body = |e: &AuthError| serde_json::to_string(e).unwrap_or_default();
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait_time.max(1).to_string())],
            [(header::CONTENT_TYPE, "application/json")],
            body(&AuthError::RateLimited),
        )
            .into_response(),
        other => {
            tracing::error!(error = %other, "rate limiter could not identify the client");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "application/json")],
                body(&AuthError::Internal),
            )
                .into_response()
        }
    }
}
