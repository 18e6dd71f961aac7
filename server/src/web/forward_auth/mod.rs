//! Forward authentication: the reverse proxy in front of another app (nginx `auth_request`,
//! Traefik `forwardAuth`, Caddy `forward_auth`) asks `/auth/check` about each request; a
//! browser without a session is sent through `/auth/start`, and leaves through
//! `/auth/sign-out`. Named as oauth2-proxy names them, so that switching is a configuration
//! change.

mod check;
mod page;
mod sign_out;
mod start;

use std::sync::Arc;

use axum::{Router, extract::DefaultBodyLimit, routing::get};

use super::cookies::SessionCookie;
use crate::{
    access::{AccessGate, Entrant},
    flow::return_path::AllowedRedirectHosts,
    registry::ProviderRegistry,
    store::{Database, session_cache::SessionCache, sessions::SessionProfile},
    tokens::on_demand::TokenSource,
};

/// The sign-out form's body is one short field.
const MAX_FORM_BYTES: usize = 4096;

pub struct ForwardAuth {
    pub db: Database,
    pub sessions: Arc<SessionCache>,
    pub cookie: SessionCookie,
    pub access: Arc<AccessGate>,
    pub registry: Arc<ProviderRegistry>,
    pub tokens: Arc<TokenSource>,
    pub redirect_hosts: AllowedRedirectHosts,
    /// `PASS_ACCESS_TOKEN`: hand the provider's access token to the protected app.
    pub pass_access_token: bool,
    /// Where `/auth/start` is, for proxies that pass the check's redirect to the browser.
    pub app_url: url::Url,
}

/// The routes: the check apart from the pages, so that the router can spare it the middleware
/// that pages need (see `router::build`).
pub struct Routes<S> {
    pub check: Router<S>,
    pub pages: Router<S>,
}

pub fn routes<S: Clone + Send + Sync + 'static>(forward_auth: ForwardAuth) -> Routes<S> {
    let forward_auth = Arc::new(forward_auth);
    Routes {
        check: Router::new()
            .route(check::PATH, get(check::check))
            .with_state(forward_auth.clone()),
        pages: Router::new()
            .route("/auth/start", get(start::start))
            .route("/auth/sign-out", get(sign_out::page).post(sign_out::sign_out))
            .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
            .with_state(forward_auth),
    }
}

impl ForwardAuth {
    /// Whether the person behind `session` may enter under today's policy.
    async fn allows(&self, session: &SessionProfile) -> bool {
        let Some(provider) = self.registry.get(&session.provider_id) else {
            // A provider taken out of the configuration lets nobody in where a policy exists.
            return self.access.policy().is_none();
        };
        let entrant = Entrant {
            provider: &provider.config,
            subject: &session.subject,
            email: session.identity_email.as_deref(),
            email_verified: session.identity_email_verified,
            hosted_domain: session.hosted_domain.as_deref(),
        };
        let identity = session.identity_id;
        self.access
            .allows(&entrant, || async move {
                self.tokens.tokens(identity).await.ok().map(|t| t.access_token)
            })
            .await
    }
}
