//! Endpoints for whatever runs the server (a load balancer, an orchestrator): `/healthz`
//! says the process answers; `/readyz` says whether it can serve sign-ins now.

use std::sync::Arc;

use axum::{Json, Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use serde::Serialize;

use crate::{
    registry::{ProviderRegistry, Readiness},
    store::Database,
};

#[derive(Clone)]
struct Dependencies {
    db: Database,
    registry: Arc<ProviderRegistry>,
}

pub fn routes<S: Clone + Send + Sync + 'static>(db: Database, registry: Arc<ProviderRegistry>) -> Router<S> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(Dependencies { db, registry })
}

async fn healthz() -> impl IntoResponse {
    ([(http::header::CACHE_CONTROL, "no-store")], "ok\n")
}

#[derive(Serialize)]
struct ReadyReport {
    ready: bool,
    database: &'static str,
    providers: Vec<ProviderReport>,
}

#[derive(Serialize)]
struct ProviderReport {
    id: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
}

/// 200 when the database answers within a second, 503 otherwise. Providers are listed but do
/// not decide readiness: one provider being down must not take every instance out of
/// rotation, since the others still sign people in.
async fn readyz(State(dependencies): State<Dependencies>) -> impl IntoResponse {
    let database_ok = dependencies.db.is_reachable().await;
    let providers = dependencies
        .registry
        .all()
        .iter()
        .map(|provider| {
            let (status, last_error) = match provider.readiness() {
                Readiness::Ready => ("ready", None),
                Readiness::Pending => ("pending", None),
                Readiness::Failing(error) => ("failing", Some(error)),
            };
            ProviderReport {
                id: provider.config.id.to_string(),
                status,
                last_error,
            }
        })
        .collect();
    let status = if database_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(http::header::CACHE_CONTROL, "no-store")],
        Json(ReadyReport {
            ready: database_ok,
            database: if database_ok { "reachable" } else { "unreachable" },
            providers,
        }),
    )
}

#[cfg(test)]
mod tests {
    use tower::ServiceExt;

    use super::*;

    async fn readyz_of(db: Database) -> (StatusCode, serde_json::Value) {
        let app_url = url::Url::parse("http://localhost:3000").unwrap();
        let registry = Arc::new(ProviderRegistry::new(Vec::new(), &app_url).unwrap());
        let request = http::Request::get("/readyz")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = routes::<()>(db, registry).oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn readyz_is_503_when_the_database_does_not_answer() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        assert_eq!(readyz_of(db.clone()).await.0, StatusCode::OK);
        db.close().await;
        let (status, report) = readyz_of(db).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(report["ready"], false);
        assert_eq!(report["database"], "unreachable");
    }
}
