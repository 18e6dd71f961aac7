//! `GET /auth/sign-out?rd=URL` shows one button; pressing it (a POST, which the cross-site guard
//! lets through from this site only) ends the session and goes on to `rd`.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Form,
    extract::{RawQuery, State},
    response::{IntoResponse, Response},
};
use http::{HeaderMap, StatusCode, header};

use super::{ForwardAuth, page};
use crate::{flow::return_path, store::sessions};

pub(super) async fn page(
    State(forward_auth): State<Arc<ForwardAuth>>,
    RawQuery(query): RawQuery,
) -> Response {
    let rd = query.as_deref().and_then(return_path::rd_from_query);
    let target = return_path::sanitize(rd.as_deref(), &forward_auth.redirect_hosts);
    page::sign_out(&target)
}

pub(super) async fn sign_out(
    State(forward_auth): State<Arc<ForwardAuth>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let target = return_path::sanitize(form.get("rd").map(String::as_str), &forward_auth.redirect_hosts);
    if let Some(id) = forward_auth.cookie.id(&headers) {
        if let Err(error) = sessions::end(&forward_auth.db, &id).await {
            tracing::error!(%error, "database error while signing out");
            return page::unavailable();
        }
        forward_auth.sessions.forget_all();
        tracing::info!("signed out from a protected app");
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, target),
            (header::SET_COOKIE, forward_auth.cookie.clear()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}
