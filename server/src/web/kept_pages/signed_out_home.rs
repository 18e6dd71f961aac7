//! The sign-in page as everyone signed out first sees it (`GET /` with no query and no session)
//! is the same page for all of them but for its CSP nonce: the providers are fixed when the
//! process starts, and nothing else of the request reaches it. It is therefore rendered once,
//! kept, and sent with a fresh nonce each time. Anything else (a query, a session cookie,
//! another method) is rendered anew.

use std::sync::{Arc, OnceLock};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::Method;

use super::kept_page::{self, KeptPage};
use crate::web::cookies::SessionCookie;

#[derive(Clone)]
pub struct SignedOutHome {
    session_cookie: SessionCookie,
    kept: Arc<OnceLock<KeptPage>>,
}

impl SignedOutHome {
    pub fn new(session_cookie: SessionCookie) -> Self {
        Self {
            session_cookie,
            kept: Arc::default(),
        }
    }

    fn is_for_everyone(&self, request: &Request) -> bool {
        request.method() == Method::GET
            && request.uri().path() == "/"
            && request.uri().query().is_none()
            && self.session_cookie.id(request.headers()).is_none()
    }
}

/// Sends the kept page to a signed-out `GET /`, rendering and keeping it the first time.
pub async fn serve(State(home): State<SignedOutHome>, request: Request, next: Next) -> Response {
    if !home.is_for_everyone(&request) {
        return next.run(request).await;
    }
    let (page, to_keep) = kept_page::answer(home.kept.get(), request, next).await;
    if let Some(kept) = to_keep {
        let _ = home.kept.set(kept);
    }
    page
}
