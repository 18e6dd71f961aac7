//! The server side of the app's server functions: cookies in and out, errors logged and
//! turned into the messages the browser may see.

use std::sync::Arc;

use app::{
    api::{AuthBackend, HttpExchange},
    error::AuthError,
    model::{
        Account, ActiveSession, ConnectedAccount, HomeState, LiveFromProvider, Profile, ProviderButton,
        ProviderLive, SignInStart, SignedIn,
    },
};
use secrecy::ExposeSecret;

use super::{browser_family, cookies};
use crate::{
    domain::{SessionId, State, TransactionId},
    flow::{ACCOUNT_PAGE, FlowError, Pkce, Purpose, SignInFlow},
    logout::at_provider,
    oauth::grant::ProviderTokens,
    provider_api,
    registry::LiveProvider,
    store::{
        accounts::{self, Disconnected},
        sessions::{self, SessionProfile},
        transactions,
    },
    tokens::{on_demand::TokenSource, revoke},
};

pub struct Backend {
    flow: SignInFlow,
    /// Where providers send the browser back after signing out there.
    app_url: url::Url,
    /// Hands out the kept provider grants, refreshed when due.
    tokens: TokenSource,
}

impl Backend {
    pub fn new(flow: SignInFlow, tokens: TokenSource, app_url: url::Url) -> Self {
        Self {
            flow,
            tokens,
            app_url,
        }
    }

    /// The provider and kept tokens of `identity`, when there are any.
    async fn kept_grant(&self, identity: i64) -> Option<(Arc<LiveProvider>, ProviderTokens)> {
        let (provider_id, tokens) = self.tokens.kept(identity).await.ok()?;
        let provider = self.flow.registry.get(&provider_id)?.clone();
        Some((provider, tokens))
    }

    /// Revokes a disconnected identity's grant at its provider, without keeping the person
    /// waiting for the provider's answer.
    fn revoke_in_background(&self, provider: Arc<LiveProvider>, tokens: ProviderTokens) {
        let http = self.flow.http.clone();
        tokio::spawn(async move {
            match revoke::revoke(&provider, &http, &tokens).await {
                Ok(true) => {
                    tracing::info!(provider = %provider.config.id, "revoked a disconnected identity's grant")
                }
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(provider = %provider.config.id, %error, "could not revoke a disconnected identity's grant")
                }
            }
        });
    }

    /// Where to send the browser to sign out of the provider of `session`, and what it must
    /// keep meanwhile; `None` when the provider offers no sign-out.
    async fn provider_sign_out(&self, session: &SessionProfile) -> Option<(url::Url, String)> {
        let provider = self.flow.registry.get(&session.provider_id)?;
        let endpoint = at_provider::endpoint(provider, &self.flow.http).await?;
        // The hint is optional: without a kept ID token the provider may ask which account.
        let id_token = self
            .tokens
            .kept(session.identity_id)
            .await
            .ok()
            .and_then(|(_, tokens)| tokens.id_token);
        let state = State::generate();
        let url = at_provider::request_url(
            &endpoint,
            provider,
            &self.app_url,
            id_token.as_ref().map(|t| t.expose_secret()),
            &state,
        );
        Some((url, at_provider::remembered(&session.provider_id, &state)))
    }

    fn session_id(http: &HttpExchange) -> Option<SessionId> {
        cookies::session_id(&http.headers)
    }

    fn transaction_id(http: &HttpExchange) -> Option<TransactionId> {
        cookies::transaction_id(&http.headers)
    }

    /// Records the transaction and sets the cookie that binds it to this browser.
    async fn begin(
        &self,
        http: &HttpExchange,
        provider: &str,
        pkce: Pkce<'_>,
        purpose: Purpose<'_>,
    ) -> Result<SignInStart, AuthError> {
        let (start, transaction) = self
            .flow
            .begin(provider, pkce, purpose)
            .await
            .map_err(|e| logged(provider, e))?;
        http.set_cookie(&cookies::sign_in(transaction.expose()));
        Ok(start)
    }

    /// A plain form's way to a provider: the server keeps the verifier, and the browser is
    /// sent on with a 303, to the provider or, when that fails, to the sign-in page that says why.
    async fn start(&self, http: &HttpExchange, provider: &str, purpose: Purpose<'_>) {
        match self.begin(http, provider, Pkce::Server, purpose).await {
            Ok(start) => http.see_other(&start.authorization_url),
            Err(error) => http.see_other(&error_page(&error, provider)),
        }
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
        let id = Self::session_id(http).ok_or(AuthError::SignInRequired)?;
        let profile = sessions::profile(&self.flow.db, &id)
            .await
            .map_err(internal)?
            .ok_or(AuthError::SignInRequired)?;
        Ok((id, profile))
    }
}

/// A plain form on the account page is answered with a 303 back to it, saying why when it was
/// refused; the wasm path gets the result itself.
fn back_to_account(http: &HttpExchange, result: Result<(), AuthError>) -> Result<(), AuthError> {
    if !http.is_form_post() {
        return result;
    }
    match result {
        Ok(()) => http.see_other(ACCOUNT_PAGE),
        Err(error) => http.see_other(&format!("{ACCOUNT_PAGE}?account_error={}", error.code())),
    }
    Ok(())
}

/// The sign-in page showing `error`, for a browser that came with a plain form.
fn error_page(error: &AuthError, provider: &str) -> String {
    let mut url = url::Url::parse("http://app.invalid/").expect("constant URL parses");
    url.query_pairs_mut()
        .append_pair("sign_in_error", error.code())
        .append_pair("provider", provider);
    format!("/?{}", url.query().unwrap_or_default())
}

/// Unix seconds as the account page shows them.
fn shown_time(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|time| time.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn internal(error: sqlx::Error) -> AuthError {
    tracing::error!(%error, "database error");
    AuthError::Internal
}

fn logged(provider: &str, error: FlowError) -> AuthError {
    match &error {
        FlowError::Database(_) => tracing::error!(provider, %error, "sign-in failed"),
        _ => tracing::warn!(provider, %error, "sign-in refused"),
    }
    error.public()
}

#[async_trait::async_trait]
impl AuthBackend for Backend {
    async fn home_state(&self, http: &HttpExchange) -> Result<HomeState, AuthError> {
        let user = match Self::session_id(http) {
            Some(id) => sessions::profile(&self.flow.db, &id).await.map_err(internal)?,
            None => None,
        };
        Ok(HomeState {
            user: user.map(|session| self.profile(session)),
            providers: self.buttons(),
        })
    }

    async fn begin_sign_in(
        &self,
        http: &HttpExchange,
        provider: String,
        code_challenge: String,
        return_to: Option<String>,
    ) -> Result<SignInStart, AuthError> {
        let pkce = Pkce::Browser {
            challenge: &code_challenge,
        };
        let purpose = Purpose::SignIn {
            return_to: return_to.as_deref(),
        };
        self.begin(http, &provider, pkce, purpose).await
    }

    async fn start_sign_in(&self, http: &HttpExchange, provider: String, return_to: Option<String>) {
        let purpose = Purpose::SignIn {
            return_to: return_to.as_deref(),
        };
        self.start(http, &provider, purpose).await;
    }

    async fn start_connect(&self, http: &HttpExchange, provider: String) {
        match Self::session_id(http) {
            Some(session) => {
                self.start(http, &provider, Purpose::Connect { session: &session })
                    .await
            }
            None => http.see_other(&error_page(&AuthError::SignInRequired, &provider)),
        }
    }

    async fn finish_held_sign_in(
        &self,
        http: &HttpExchange,
        provider: String,
        callback_query: String,
    ) -> Result<Option<String>, AuthError> {
        let Some(transaction) = Self::transaction_id(http) else {
            return Ok(None);
        };
        if !transactions::is_held_by_server(&self.flow.db, &transaction)
            .await
            .map_err(internal)?
        {
            return Ok(None);
        }
        let signed_in = self
            .complete_sign_in(http, provider, callback_query, None)
            .await?;
        http.see_other(&signed_in.return_to);
        Ok(Some(signed_in.return_to))
    }

    async fn complete_sign_in(
        &self,
        http: &HttpExchange,
        provider: String,
        callback_query: String,
        code_verifier: Option<String>,
    ) -> Result<SignedIn, AuthError> {
        let transaction = Self::transaction_id(http);
        // The transaction is single-use: the binding cookie goes whatever happens next.
        http.set_cookie(&cookies::clear(cookies::SIGN_IN));
        // A sign-in makes a new session id, and the one the browser had before is ended; a
        // connect keeps the session that asked for it.
        let current = Self::session_id(http);
        let user_agent = http
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        let (signed_in, session) = self
            .flow
            .complete(
                &provider,
                transaction,
                &callback_query,
                code_verifier.as_deref(),
                current.as_ref(),
                &browser_family::of(user_agent),
            )
            .await
            .map_err(|e| logged(&provider, e))?;
        match session {
            Some(session) => {
                http.set_cookie(&cookies::session(session.expose()));
                tracing::info!(provider, "signed in");
            }
            None => tracing::info!(provider, "provider connected"),
        }
        Ok(signed_in)
    }

    async fn sign_out(&self, http: &HttpExchange) -> Result<(), AuthError> {
        if let Some(id) = Self::session_id(http) {
            sessions::end(&self.flow.db, &id).await.map_err(internal)?;
        }
        http.set_cookie(&cookies::clear(cookies::SESSION));
        http.see_other_for_form_posts("/");
        Ok(())
    }

    async fn account(&self, http: &HttpExchange) -> Result<Account, AuthError> {
        let (id, session) = self.signed_in(http).await?;
        let user_id = session.user_id;
        let identities = accounts::identities_of(&self.flow.db, user_id)
            .await
            .map_err(internal)?;
        let live = sessions::list_for_user(&self.flow.db, user_id)
            .await
            .map_err(internal)?;
        let current = id.digest();
        let connected: Vec<ConnectedAccount> = identities
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
                connected_at: shown_time(identity.created_at),
                last_sign_in_at: shown_time(identity.last_sign_in_at),
                reconnect_needed: identity.reconnect_needed,
                provider_id: identity.provider_id,
            })
            .collect();
        let connectable = self
            .buttons()
            .into_iter()
            .filter(|button| !connected.iter().any(|c| c.provider_id == button.id))
            .collect();
        let sessions = live
            .into_iter()
            .map(|live| ActiveSession {
                browser: live.browser.unwrap_or_else(|| browser_family::UNKNOWN.to_owned()),
                started_at: shown_time(live.created_at),
                last_seen_at: shown_time(live.last_seen_at),
                current: live.id_digest == current,
            })
            .collect();
        let sign_out_at_provider = match self.flow.registry.get(&session.provider_id) {
            Some(provider) => at_provider::endpoint(provider, &self.flow.http).await.is_some(),
            None => false,
        };
        Ok(Account {
            sign_out_at_provider,
            profile: self.profile(session),
            connected,
            connectable,
            sessions,
        })
    }

    async fn begin_connect(
        &self,
        http: &HttpExchange,
        provider: String,
        code_challenge: String,
    ) -> Result<SignInStart, AuthError> {
        let session = Self::session_id(http).ok_or(AuthError::SignInRequired)?;
        let pkce = Pkce::Browser {
            challenge: &code_challenge,
        };
        self.begin(http, &provider, pkce, Purpose::Connect { session: &session })
            .await
    }

    async fn disconnect(&self, http: &HttpExchange, identity: i64) -> Result<(), AuthError> {
        let result = async {
            let (_, session) = self.signed_in(http).await?;
            // Read before the identity and its grant go; revoked once they have.
            let grant = self.kept_grant(identity).await;
            match accounts::disconnect(&self.flow.db, session.user_id, identity)
                .await
                .map_err(internal)?
            {
                Disconnected::Yes => {
                    if let Some((provider, tokens)) = grant {
                        self.revoke_in_background(provider, tokens);
                    }
                    Ok(())
                }
                Disconnected::LastIdentity => Err(AuthError::LastIdentity),
                Disconnected::NotFound => Err(AuthError::BadRequest(
                    "that provider is not connected to this account".into(),
                )),
            }
        }
        .await;
        back_to_account(http, result)
    }

    async fn sign_out_elsewhere(&self, http: &HttpExchange) -> Result<(), AuthError> {
        let result = async {
            let (id, session) = self.signed_in(http).await?;
            let ended = sessions::delete_others(&self.flow.db, session.user_id, &id)
                .await
                .map_err(internal)?;
            tracing::info!(ended, "signed out everywhere else");
            Ok(())
        }
        .await;
        back_to_account(http, result)
    }

    async fn sign_out_at_provider(&self, http: &HttpExchange) -> Result<String, AuthError> {
        let session = match Self::session_id(http) {
            Some(id) => {
                let session = sessions::profile(&self.flow.db, &id).await.map_err(internal)?;
                sessions::end(&self.flow.db, &id).await.map_err(internal)?;
                session
            }
            None => None,
        };
        http.set_cookie(&cookies::clear(cookies::SESSION));
        let target = match &session {
            Some(session) => self.provider_sign_out(session).await,
            None => None,
        };
        let next = match target {
            Some((url, remembered)) => {
                tracing::info!("signed out; on to sign out at the provider");
                http.set_cookie(&cookies::sign_out(&remembered));
                url.to_string()
            }
            None => "/".to_owned(),
        };
        http.see_other_for_form_posts(&next);
        Ok(next)
    }

    async fn confirm_provider_sign_out(
        &self,
        http: &HttpExchange,
        state: String,
    ) -> Result<Option<String>, AuthError> {
        let Some(remembered) = cookies::read(&http.headers, cookies::SIGN_OUT) else {
            return Ok(None);
        };
        http.set_cookie(&cookies::clear(cookies::SIGN_OUT));
        match at_provider::returned_from(&remembered, &state) {
            Some(provider_id) => Ok(Some(self.provider_name(provider_id))),
            None => {
                tracing::warn!(
                    "back from signing out at a provider with another state than it was sent with"
                );
                Ok(None)
            }
        }
    }

    async fn provider_live(&self, http: &HttpExchange) -> Result<Vec<ProviderLive>, AuthError> {
        let (_, session) = self.signed_in(http).await?;
        let identities = accounts::identities_of(&self.flow.db, session.user_id)
            .await
            .map_err(internal)?;
        // All providers are asked at once: a slow one delays the page by its own time only.
        let asks = identities.into_iter().map(|identity| async move {
            let live = match self.flow.registry.get(&identity.provider_id) {
                Some(provider) => {
                    provider_api::live(&self.tokens, &self.flow.http, provider, identity.id).await
                }
                None => LiveFromProvider::NotOffered,
            };
            ProviderLive {
                identity: identity.id,
                live,
            }
        });
        let views = futures::future::join_all(asks).await;
        Ok(views)
    }
}
