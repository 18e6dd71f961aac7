//! `POST /auth/backchannel-logout/{provider}`: OpenID Connect Back-Channel Logout 1.0. The
//! provider posts a signed logout token here, server to server, when a person signs out there;
//! the sessions it names end. Answers as section 2.8 says: 200 when acted on, 400 with an
//! OAuth error body when the token is refused, never cached. The signature, not the caller's
//! origin, authenticates the request, so the cross-site guard lets this path through.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Form,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use http::{StatusCode, header};
use serde_json::json;

use crate::{
    domain::now,
    oidc::logout_token,
    provider_http::ProviderHttp,
    providers::Protocol,
    registry::ProviderRegistry,
    store::{Database, back_channel, session_cache::SessionCache},
};

pub const PATH_PREFIX: &str = "/auth/backchannel-logout/";

#[derive(Clone)]
pub struct BackChannel {
    pub db: Database,
    pub registry: Arc<ProviderRegistry>,
    pub http: ProviderHttp,
    /// Forgotten once sessions end, so the forward-auth check sees it at once.
    pub sessions: Arc<SessionCache>,
}

pub async fn receive(
    State(back_channel): State<BackChannel>,
    Path(provider_id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(provider) = back_channel.registry.get(&provider_id) else {
        return refuse(StatusCode::NOT_FOUND, "no such provider");
    };
    let Protocol::Oidc(settings) = &provider.config.protocol else {
        return refuse(StatusCode::NOT_FOUND, "no such provider");
    };
    let Some(token) = form.get("logout_token") else {
        return refuse(StatusCode::BAD_REQUEST, "logout_token is missing");
    };
    let discovered = match provider.discovered(&back_channel.http).await {
        Ok(discovered) => discovered,
        Err(error) => {
            tracing::warn!(provider = %provider_id, %error, "cannot check a logout token: provider unavailable");
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the provider's keys are unavailable",
            );
        }
    };
    let order = match logout_token::verify(
        token,
        &discovered.metadata,
        provider.config.client_id.as_str(),
        now(),
    ) {
        Ok(order) => order,
        Err(error) => {
            tracing::warn!(provider = %provider_id, %error, "refused a logout token");
            return refuse(StatusCode::BAD_REQUEST, &error.to_string());
        }
    };
    let ended = back_channel::end_sessions(
        &back_channel.db,
        settings.issuer.as_str(),
        &order.jti,
        order.expires_at,
        &order.ends,
    )
    .await;
    match ended {
        Ok(Some(ended)) => {
            back_channel.sessions.forget_all();
            tracing::info!(provider = %provider_id, ended, "back-channel logout");
            ([(header::CACHE_CONTROL, "no-store")], "").into_response()
        }
        Ok(None) => {
            tracing::warn!(provider = %provider_id, "refused a replayed logout token");
            refuse(StatusCode::BAD_REQUEST, "this logout token was used before")
        }
        Err(error) => {
            tracing::error!(%error, "back-channel logout: database");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the logout could not be recorded",
            )
        }
    }
}

fn refuse(status: StatusCode, description: &str) -> Response {
    let error = if status == StatusCode::BAD_REQUEST {
        "invalid_request"
    } else {
        "server_error"
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}
