//! The endpoints providers post events to, server to server: back-channel logout, Apple's
//! notifications and Google's security events. Each is authenticated by the token it carries,
//! and all three share what acting on one needs (`back_channel::BackChannel`).

use axum::{Router, routing::post};

use super::{apple_notifications, back_channel, security_events};

pub fn routes<S: Clone + Send + Sync + 'static>(state: back_channel::BackChannel) -> Router<S> {
    let on = |prefix: &str| format!("{prefix}{{provider}}");
    Router::new()
        .route(&on(back_channel::PATH_PREFIX), post(back_channel::receive))
        .route(&on(security_events::PATH_PREFIX), post(security_events::receive))
        .route(
            &on(apple_notifications::PATH_PREFIX),
            post(apple_notifications::receive),
        )
        .with_state(state)
}
