//! `GET /account/data.json`: everything kept about the signed-in person, as a file to download
//! (`store::export`; fields in docs/accounts.md). 401 without a session; never cached.

use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
};
use http::{HeaderMap, StatusCode, header};

use super::protected::ProtectedPages;
use crate::store::{export, sessions};

pub const PATH: &str = "/account/data.json";

pub fn routes<S: Clone + Send + Sync + 'static>(pages: ProtectedPages) -> Router<S> {
    Router::new().route(PATH, get(download)).with_state(pages)
}

async fn download(State(pages): State<ProtectedPages>, headers: HeaderMap) -> Response {
    let no_store = (header::CACHE_CONTROL, "no-store");
    let session = match pages.cookie.id(&headers) {
        Some(id) => sessions::profile(&pages.db, &id).await,
        None => Ok(None),
    };
    let data = match session {
        Ok(Some(session)) => export::of_user(&pages.db, session.user_id).await,
        Ok(None) => {
            return (
                StatusCode::UNAUTHORIZED,
                [no_store],
                "Sign in to download your data.\n",
            )
                .into_response();
        }
        Err(error) => Err(error),
    };
    match data {
        Ok(Some(data)) => (
            [
                no_store,
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"my-data.json\"",
                ),
            ],
            serde_json::to_string_pretty(&data).unwrap_or_default(),
        )
            .into_response(),
        Ok(None) => (
            StatusCode::UNAUTHORIZED,
            [no_store],
            "Sign in to download your data.\n",
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "could not gather a person's data");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [no_store],
                "Your data could not be gathered just now; please try again.\n",
            )
                .into_response()
        }
    }
}
