//! The server side of the app's server functions, one module per page: cookies in and out,
//! errors logged and turned into the messages the browser may see. The `AuthBackend` impl
//! below only names which module answers each function.

mod account;
mod callback;
mod dashboard;
pub mod page_data;
mod sign_in;
mod sign_out;

use app::{
    api::{AuthBackend, HttpExchange},
    error::AuthError,
    model::{
        Account, ConnectedAccount, Dashboard, HomeState, Profile, ProviderButton, ProviderLive, SignInStart,
        SignedIn,
    },
};

use std::sync::Arc;

use super::{
    browser_family,
    client_address::{self, ClientAddress},
    cookies::{self, SessionCookie},
    protected::SessionLetIn,
};
use crate::{
    domain::{SessionId, TransactionId},
    flow::{Purpose, SignInFlow},
    provider_api::LiveMemory,
    store::{
        accounts::ConnectedIdentity,
        audit::Seen,
        session_cache::SessionCache,
        sessions::{self, SessionProfile},
    },
    tokens::on_demand::TokenSource,
};
use page_data::DataLetIn;

pub struct Backend {
    flow: SignInFlow,
    /// Where providers send the browser back after signing out there.
    app_url: url::Url,
    /// Hands out the kept provider grants, refreshed when due.
    tokens: Arc<TokenSource>,
    session_cookie: SessionCookie,
    /// What the forward-auth check remembers, forgotten whenever a session ends here.
    sessions: Arc<SessionCache>,
    /// What providers said lately, for the dashboard.
    live_memory: LiveMemory,
}

/// What the backend is made of besides the flow.
pub struct BackendParts {
    pub tokens: Arc<TokenSource>,
    pub app_url: url::Url,
    pub session_cookie: SessionCookie,
    pub sessions: Arc<SessionCache>,
}

impl Backend {
    pub fn new(flow: SignInFlow, parts: BackendParts) -> Self {
        let BackendParts {
            tokens,
            app_url,
            session_cookie,
            sessions,
        } = parts;
        Self {
            flow,
            tokens,
            app_url,
            session_cookie,
            sessions,
            live_memory: LiveMemory::default(),
        }
    }

    /// Where this request comes from, as the account's history keeps it.
    fn seen(http: &HttpExchange) -> Seen {
        let user_agent = http
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        let network = leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<ClientAddress>().copied())
            .map(|ClientAddress(address)| client_address::coarse(address));
        Seen {
            browser: browser_family::of(user_agent),
            network,
        }
    }

    fn session_id(&self, http: &HttpExchange) -> Option<SessionId> {
        self.session_cookie.id(&http.headers)
    }

    fn transaction_id(http: &HttpExchange) -> Option<TransactionId> {
        cookies::transaction_id(&http.headers)
    }

    fn provider_name(&self, provider_id: &str) -> String {
        self.flow
            .registry
            .get(provider_id)
            .map(|p| p.config.name.clone())
            .unwrap_or_else(|| provider_id.to_owned())
    }

    fn profile(&self, session: SessionProfile) -> Profile {
        Profile {
            provider_name: self.provider_name(&session.provider_id),
            subject: session.subject,
            person: session.person,
        }
    }

    /// The account's identities as the dashboard and the account page list them.
    fn connected(&self, identities: Vec<ConnectedIdentity>) -> Vec<ConnectedAccount> {
        identities
            .into_iter()
            .map(|identity| ConnectedAccount {
                id: identity.id,
                provider_name: self.provider_name(&identity.provider_id),
                brand: self
                    .flow
                    .registry
                    .get(&identity.provider_id)
                    .and_then(|p| p.config.brand),
                label: identity.username.or(identity.email),
                connected_at: account::shown_time(identity.created_at),
                last_sign_in_at: account::shown_time(identity.last_sign_in_at),
                reconnect_needed: identity.reconnect_needed,
                provider_id: identity.provider_id,
            })
            .collect()
    }

    fn buttons(&self) -> Vec<ProviderButton> {
        self.flow
            .registry
            .all()
            .iter()
            .map(|p| ProviderButton {
                id: p.config.id.to_string(),
                name: p.config.name.clone(),
                brand: p.config.brand,
            })
            .collect()
    }

    /// The live session of this request and who it belongs to, or `SignInRequired`.
    async fn signed_in(&self, http: &HttpExchange) -> Result<(SessionId, SessionProfile), AuthError> {
        let id = self.session_id(http).ok_or(AuthError::SignInRequired)?;
        if let Some(SessionLetIn(profile)) = http.extensions.get() {
            return Ok((id, SessionProfile::clone(profile)));
        }
        let profile = sessions::profile(&self.flow.db, &id)
            .await
            .map_err(internal)?
            .ok_or(AuthError::SignInRequired)?;
        Ok((id, profile))
    }

    /// The sign-in page's state: who is signed in, if anyone, and the providers to offer.
    async fn home(&self, http: &HttpExchange) -> Result<HomeState, AuthError> {
        let user = match self.session_id(http) {
            Some(id) => sessions::profile(&self.flow.db, &id).await.map_err(internal)?,
            None => None,
        };
        Ok(HomeState {
            user: user.map(|session| self.profile(session)),
            providers: self.buttons(),
        })
    }
}

fn internal(error: sqlx::Error) -> AuthError {
    tracing::error!(%error, "database error");
    AuthError::Internal
}

#[async_trait::async_trait]
impl AuthBackend for Backend {
    async fn home_state(&self, http: &HttpExchange) -> Result<HomeState, AuthError> {
        if let Some(home) = DataLetIn::home(http) {
            return Ok(home);
        }
        self.home(http).await
    }

    async fn begin_sign_in(
        &self,
        http: &HttpExchange,
        provider: String,
        code_challenge: String,
        return_to: Option<String>,
    ) -> Result<SignInStart, AuthError> {
        self.sign_in_from_browser(http, &provider, &code_challenge, return_to.as_deref())
            .await
    }

    async fn start_sign_in(&self, http: &HttpExchange, provider: String, return_to: Option<String>) {
        let purpose = Purpose::SignIn {
            return_to: return_to.as_deref(),
        };
        self.start(http, &provider, purpose).await;
    }

    async fn start_connect(&self, http: &HttpExchange, provider: String) {
        self.connect_from_form(http, provider).await;
    }

    async fn finish_held_sign_in(
        &self,
        http: &HttpExchange,
        provider: String,
        callback_query: String,
    ) -> Result<Option<String>, AuthError> {
        self.finish_held(http, provider, callback_query).await
    }

    async fn complete_sign_in(
        &self,
        http: &HttpExchange,
        provider: String,
        callback_query: String,
        code_verifier: Option<String>,
    ) -> Result<SignedIn, AuthError> {
        self.complete(http, &provider, &callback_query, code_verifier.as_deref())
            .await
    }

    async fn sign_out(&self, http: &HttpExchange) -> Result<(), AuthError> {
        self.end_session(http).await
    }

    async fn account(&self, http: &HttpExchange) -> Result<Account, AuthError> {
        if let Some(account) = DataLetIn::account(http) {
            return Ok(account);
        }
        self.account_page(http).await
    }

    async fn dashboard(&self, http: &HttpExchange) -> Result<Dashboard, AuthError> {
        if let Some(dashboard) = DataLetIn::dashboard(http) {
            return Ok(dashboard);
        }
        self.dashboard_page(http).await
    }

    async fn begin_connect(
        &self,
        http: &HttpExchange,
        provider: String,
        code_challenge: String,
    ) -> Result<SignInStart, AuthError> {
        self.connect_from_browser(http, provider, code_challenge).await
    }

    async fn disconnect(&self, http: &HttpExchange, identity: i64) -> Result<(), AuthError> {
        self.disconnect_identity(http, identity).await
    }

    async fn sign_out_elsewhere(&self, http: &HttpExchange) -> Result<(), AuthError> {
        self.end_other_sessions(http).await
    }

    async fn delete_account(&self, http: &HttpExchange, confirm: String) -> Result<(), AuthError> {
        self.erase_account(http, &confirm).await
    }

    async fn sign_out_at_provider(&self, http: &HttpExchange) -> Result<String, AuthError> {
        self.end_session_and_leave_for_provider(http).await
    }

    async fn confirm_provider_sign_out(
        &self,
        http: &HttpExchange,
        state: String,
    ) -> Result<Option<String>, AuthError> {
        self.back_from_provider_sign_out(http, state).await
    }

    async fn provider_live(&self, http: &HttpExchange) -> Result<Vec<ProviderLive>, AuthError> {
        if let Some(live) = DataLetIn::provider_live(http) {
            return Ok(live);
        }
        self.live_from_providers(http).await
    }
}
