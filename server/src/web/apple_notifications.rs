//! `POST /auth/notifications/{provider}`: Apple's server-to-server notifications for a
//! provider configured with the apple preset, registered as the "Server-to-Server Notification
//! Endpoint" of its Services ID. The body is `{"payload": "<jwt>"}`; the signed event is
//! checked like a logout token and acted on (`store::apple_events`). Answers 200 when acted on
//! (or when it names no one we know), 400 when refused, 404 for a provider that is not
//! Apple's, never cached. The signature authenticates the request, so the cross-site guard lets
//! this path through.

use axum::{
    Json,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use http::{StatusCode, header};
use serde::Deserialize;
use serde_json::json;

use super::back_channel::BackChannel;
use crate::{
    domain::now,
    oidc::apple_events,
    providers::{Protocol, protocol::IdTokenDialect},
    store,
};

pub const PATH_PREFIX: &str = "/auth/notifications/";

#[derive(Deserialize)]
pub struct Notification {
    payload: String,
}

pub async fn receive(
    State(back_channel): State<BackChannel>,
    Path(provider_id): Path<String>,
    body: Result<Json<Notification>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let provider = back_channel.registry.get(&provider_id).filter(|provider| {
        matches!(&provider.config.protocol, Protocol::Oidc(s) if s.dialect == IdTokenDialect::Apple)
    });
    let Some(provider) = provider else {
        return answer(StatusCode::NOT_FOUND, "no Apple provider with this id");
    };
    let Ok(Json(notification)) = body else {
        return answer(StatusCode::BAD_REQUEST, "the body must be JSON with a payload");
    };
    let discovered = match provider.discovered(&back_channel.http).await {
        Ok(discovered) => discovered,
        Err(error) => {
            tracing::warn!(provider = %provider_id, %error, "cannot check an Apple notification: provider unavailable");
            return answer(StatusCode::SERVICE_UNAVAILABLE, "Apple's keys are unavailable");
        }
    };
    let event = match apple_events::verify(
        &notification.payload,
        &discovered.metadata,
        provider.config.client_id.as_str(),
        now(),
    ) {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(provider = %provider_id, %error, "refused an Apple notification");
            return answer(StatusCode::BAD_REQUEST, &error.to_string());
        }
    };
    match store::apple_events::act(&back_channel.db, provider.config.protocol.issuer(), &event).await {
        Ok(Some(known)) => {
            back_channel.sessions.forget_all();
            tracing::info!(provider = %provider_id, kind = ?event.kind, known, "Apple notification");
            answer(StatusCode::OK, "")
        }
        Ok(None) => {
            tracing::warn!(provider = %provider_id, "refused a replayed Apple notification");
            answer(StatusCode::BAD_REQUEST, "this notification was received before")
        }
        Err(error) => {
            tracing::error!(%error, "Apple notification: database");
            answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the notification could not be recorded",
            )
        }
    }
}

fn answer(status: StatusCode, problem: &str) -> Response {
    if status == StatusCode::OK {
        return ([(header::CACHE_CONTROL, "no-store")], "").into_response();
    }
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "error": problem })),
    )
        .into_response()
}
