//! `GET /auth/start?rd=URL`: where the proxy sends a browser the check turned away. Signed out,
//! it goes to the sign-in page, which returns it to `rd`; signed in and allowed, straight to
//! `rd`; signed in but refused, it is shown why. `rd` that is not this site or an allowed host
//! becomes `/`.

use std::sync::Arc;

use axum::{
    extract::{RawQuery, State},
    response::{IntoResponse, Response},
};
use http::{HeaderMap, StatusCode, header};

use super::{ForwardAuth, page};
use crate::flow::return_path;

pub(super) async fn start(
    State(forward_auth): State<Arc<ForwardAuth>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let rd = query.as_deref().and_then(return_path::rd_from_query);
    let target = return_path::sanitize(rd.as_deref(), &forward_auth.redirect_hosts);
    let session = match forward_auth.cookie.id(&headers) {
        Some(id) => match forward_auth.sessions.profile(&forward_auth.db, &id).await {
            Ok(session) => session,
            Err(error) => {
                tracing::error!(%error, "database error while checking a session");
                return page::unavailable();
            }
        },
        None => None,
    };
    let Some(session) = session else {
        let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
        return see_other(&format!("/?return_to={encoded}"));
    };
    if forward_auth.allows(&session).await {
        return see_other(&target);
    }
    let account = session
        .identity_email
        .as_deref()
        .or(session.person.username.as_deref())
        .unwrap_or(&session.person.display_name);
    let provider = forward_auth
        .registry
        .get(&session.provider_id)
        .map_or(session.provider_id.as_str(), |p| p.config.name.as_str());
    page::refused(account, provider, &target)
}

fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location.to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}
