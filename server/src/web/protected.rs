//! Pages that need a session. Opened without one, the browser is sent with a 303 to the
//! sign-in page, carrying the path and query it asked for as the return target, so that it
//! lands back there after signing in. The pages themselves (`SignedInOnly`) still handle a
//! session that ends between this check and their render.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{Method, StatusCode, header};

use super::cookies::SessionCookie;
use crate::store::{
    Database,
    sessions::{self, SessionProfile},
};

pub const PAGES: &[&str] = &["/dashboard", "/account"];

/// The database the sessions are checked in, and the cookie that names them.
#[derive(Clone)]
pub struct ProtectedPages {
    pub db: Database,
    pub cookie: SessionCookie,
}

/// The session this request's page was let in with (named by the same request's cookie), so
/// that the page need not read it again.
#[derive(Clone)]
pub struct SessionLetIn(pub Arc<SessionProfile>);

pub async fn require_session(
    State(pages): State<ProtectedPages>,
    mut request: Request,
    next: Next,
) -> Response {
    let is_page_load = matches!(*request.method(), Method::GET | Method::HEAD);
    if !is_page_load || !PAGES.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let signed_in = match pages.cookie.id(request.headers()) {
        Some(id) => match sessions::profile(&pages.db, &id).await {
            Ok(Some(profile)) => {
                request.extensions_mut().insert(SessionLetIn(Arc::new(profile)));
                true
            }
            Ok(None) => false,
            // The page itself shows the failure.
            Err(error) => {
                tracing::error!(%error, "database error while checking a session");
                true
            }
        },
        None => false,
    };
    if signed_in {
        return next.run(request).await;
    }
    let wanted = request
        .uri()
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let location = format!(
        "/?return_to={}",
        url::form_urlencoded::byte_serialize(wanted.as_bytes()).collect::<String>()
    );
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}
