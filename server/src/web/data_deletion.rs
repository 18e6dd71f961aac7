//! Facebook's callbacks for a person's data, registered in the app's settings ("Data Deletion
//! Request URL" and "Deauthorize callback URL"), each POSTing a `signed_request`:
//!
//! - `POST /auth/data-deletion/{provider}`: the identity's data is deleted (and the account with
//!   it when it was its only way in), and the answer is Facebook's
//!   `{"url": …, "confirmation_code": …}`, where `url` is a public page saying whether that
//!   deletion is done (`GET /auth/data-deletion/status/{code}`);
//! - `POST /auth/deauthorize/{provider}`: the identity's kept grant is dropped.
//!
//! Only for a provider of the facebook preset (404 otherwise); a request that is forged, old or
//! malformed is a 400 and changes nothing. The signature authenticates the request, so the
//! cross-site guard lets these paths through.

use std::sync::Arc;

use app::model::Brand;
use axum::{
    Form, Json, Router,
    extract::{Path, State},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use http::{StatusCode, header};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    domain::now,
    oauth::signed_request,
    registry::{LiveProvider, ProviderRegistry},
    store::{Database, deletion_requests, session_cache::SessionCache},
};

pub const DELETION_PREFIX: &str = "/auth/data-deletion/";
pub const DEAUTHORIZE_PREFIX: &str = "/auth/deauthorize/";

#[derive(Clone)]
pub struct DataRequests {
    pub db: Database,
    pub registry: Arc<ProviderRegistry>,
    pub sessions: Arc<SessionCache>,
    pub app_url: url::Url,
}

#[derive(Deserialize)]
struct SignedForm {
    signed_request: String,
}

pub fn routes<S: Clone + Send + Sync + 'static>(requests: DataRequests) -> Router<S> {
    Router::new()
        .route(&format!("{DELETION_PREFIX}status/{{code}}"), get(status))
        .route(&format!("{DELETION_PREFIX}{{provider}}"), post(delete))
        .route(&format!("{DEAUTHORIZE_PREFIX}{{provider}}"), post(deauthorize))
        .with_state(requests)
}

/// The provider, if it is a facebook preset, and the user its signed request names.
fn verified(
    requests: &DataRequests,
    provider_id: &str,
    form: Result<Form<SignedForm>, axum::extract::rejection::FormRejection>,
) -> Result<(Arc<LiveProvider>, String, String), (StatusCode, String)> {
    let provider = requests
        .registry
        .get(provider_id)
        .filter(|p| p.config.brand == Some(Brand::Facebook))
        .cloned()
        .ok_or((
            StatusCode::NOT_FOUND,
            "no Facebook provider with this id".to_owned(),
        ))?;
    let Ok(Form(form)) = form else {
        return Err((StatusCode::BAD_REQUEST, "signed_request is missing".to_owned()));
    };
    let secret = provider.config.client_secret.current();
    let user = signed_request::user_of(&form.signed_request, secret.secret(), now()).map_err(|error| {
        tracing::warn!(provider = provider_id, %error, "refused a signed request");
        (StatusCode::BAD_REQUEST, error.to_string())
    })?;
    Ok((provider, user, form.signed_request))
}

async fn delete(
    State(requests): State<DataRequests>,
    Path(provider_id): Path<String>,
    form: Result<Form<SignedForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (provider, user, signed) = match verified(&requests, &provider_id, form) {
        Ok(verified) => verified,
        Err((status, problem)) => return refuse(status, &problem),
    };
    // The same request gets the same code, so a retry finds its deletion.
    let code: String = Sha256::digest(signed.as_bytes())[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let issuer = provider.config.protocol.issuer();
    match deletion_requests::delete_identity(&requests.db, &provider_id, issuer, &user, &code).await {
        Ok(deleted) => {
            requests.sessions.forget_all();
            tracing::info!(
                provider = provider_id,
                ?deleted,
                "deleted a person's data at their provider's request"
            );
            let mut url = requests.app_url.clone();
            url.set_path(&format!("{DELETION_PREFIX}status/{code}"));
            (
                [(header::CACHE_CONTROL, "no-store")],
                Json(json!({ "url": url.as_str(), "confirmation_code": code })),
            )
                .into_response()
        }
        Err(error) => {
            tracing::error!(%error, "data deletion request: database");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the deletion could not be done just now",
            )
        }
    }
}

async fn deauthorize(
    State(requests): State<DataRequests>,
    Path(provider_id): Path<String>,
    form: Result<Form<SignedForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (provider, user, _) = match verified(&requests, &provider_id, form) {
        Ok(verified) => verified,
        Err((status, problem)) => return refuse(status, &problem),
    };
    match deletion_requests::drop_grant(&requests.db, provider.config.protocol.issuer(), &user).await {
        Ok(known) => {
            tracing::info!(
                provider = provider_id,
                known,
                "the person removed the app: grant dropped"
            );
            ([(header::CACHE_CONTROL, "no-store")], "").into_response()
        }
        Err(error) => {
            tracing::error!(%error, "deauthorize callback: database");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the grant could not be dropped just now",
            )
        }
    }
}

/// The public page a deletion's confirmation code leads to.
async fn status(State(requests): State<DataRequests>, Path(code): Path<String>) -> Response {
    let well_formed = code.len() == 24 && code.bytes().all(|b| b.is_ascii_hexdigit());
    let found = if well_formed {
        deletion_requests::done_at(&requests.db, &code).await
    } else {
        Ok(None)
    };
    let (status, message) = match found {
        Ok(Some(at)) => {
            let when = chrono::DateTime::from_timestamp(at, 0)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            (StatusCode::OK, format!("Done: the data was deleted on {when}."))
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            "No deletion request has this confirmation code.".to_owned(),
        ),
        Err(error) => {
            tracing::error!(%error, "deletion status: database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "The status could not be looked up just now; please try again.".to_owned(),
            )
        }
    };
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Data deletion</title></head>\
         <body><main><h1>Data deletion request</h1><p>Confirmation code {code_text}</p><p class=\"status\">{message}</p></main></body></html>",
        code_text = if well_formed {
            code.as_str()
        } else {
            "(not a code)"
        },
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

fn refuse(status: StatusCode, problem: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "error": problem })),
    )
        .into_response()
}
