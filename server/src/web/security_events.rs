//! `POST /auth/security-events/{provider}`: the receiver of Google's Cross-Account Protection
//! (RISC), registered as the stream's push endpoint. The body is one Security Event Token
//! (`application/secevent+jwt`), checked against the keys of Google's RISC configuration and
//! acted on (`store::security_events`). Answers as RFC 8935 says: 202 when accepted (a
//! redelivered token too, changing nothing), 400 with `{"err", "description"}` when refused;
//! 404 for a provider that is not Google's, never cached. The signature authenticates the
//! request, so the cross-site guard lets this path through.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use http::{StatusCode, header};
use serde_json::json;

use super::back_channel::BackChannel;
use crate::{
    domain::now,
    oidc::{
        provider_jwt::ProviderJwtError,
        security_events::{self, SecurityEventError},
    },
    store::security_events::{self as acting, Acted},
};

pub const PATH_PREFIX: &str = "/auth/security-events/";

pub async fn receive(
    State(back_channel): State<BackChannel>,
    Path(provider_id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(provider) = back_channel
        .registry
        .get(&provider_id)
        .filter(|provider| provider.security_events_configuration().is_some())
    else {
        return refuse(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "no Google provider with this id",
        );
    };
    let Ok(token) = std::str::from_utf8(&body) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body is not a token",
        );
    };
    let token = token.trim();
    let issuer = provider.config.protocol.issuer();
    let client_id = provider.config.client_id.as_str();
    let mut verified = Err(SecurityEventError::NoEvents);
    // A key we do not hold may be a new one: the keys are fetched again, once.
    for keys_unknown in [false, true] {
        let trust = match provider
            .security_event_trust(&back_channel.http, keys_unknown)
            .await
        {
            Ok(trust) => trust,
            Err(error) => {
                tracing::warn!(provider = %provider_id, %error, "cannot check a security event: no configuration");
                return refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the provider's keys are unavailable",
                );
            }
        };
        verified =
            security_events::verify(token, &trust, issuer, client_id, now()).map(|event| (event, trust));
        if !matches!(
            verified,
            Err(SecurityEventError::Token(ProviderJwtError::Signature))
        ) {
            break;
        }
    }
    let (event, trust) = match verified {
        Ok(verified) => verified,
        Err(error) => {
            tracing::warn!(provider = %provider_id, %error, "refused a security event token");
            return refuse(StatusCode::BAD_REQUEST, error.code(), &error.to_string());
        }
    };
    match acting::act(&back_channel.db, &provider_id, issuer, &trust.issuer, &event).await {
        Ok(acted) => {
            if acted != Acted::Redelivered {
                back_channel.sessions.forget_all();
            }
            let events: Vec<_> = event
                .notices
                .iter()
                .map(|notice| format!("{:?}", notice.event))
                .collect();
            tracing::info!(provider = %provider_id, ?acted, ?events, "security event");
            ([(header::CACHE_CONTROL, "no-store")], StatusCode::ACCEPTED).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "security event: database");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the event could not be recorded",
            )
        }
    }
}

fn refuse(status: StatusCode, code: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "err": code, "description": description })),
    )
        .into_response()
}
