//! The server side of the app's server functions: cookies in and out, errors logged and
//! turned into the messages the browser may see.

use app::{
    api::{AuthBackend, HttpExchange},
    error::AuthError,
    model::{HomeState, Profile, ProviderButton, SignInStart, SignedIn},
};

use super::cookies;
use crate::{
    domain::{SessionId, TransactionId},
    flow::{FlowError, SignInFlow},
    store::sessions,
};

pub struct Backend {
    flow: SignInFlow,
}

impl Backend {
    pub fn new(flow: SignInFlow) -> Self {
        Self { flow }
    }

    fn session_id(http: &HttpExchange) -> Option<SessionId> {
        cookies::read(&http.headers, cookies::SESSION).and_then(|v| SessionId::from_untrusted(&v))
    }

    fn provider_name(&self, provider_id: &str) -> String {
        self.flow
            .registry
            .get(provider_id)
            .map(|p| p.config.name.clone())
            .unwrap_or_else(|| provider_id.to_owned())
    }
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
        let user = user.map(|s| Profile {
            provider_name: self.provider_name(&s.provider_id),
            subject: s.subject,
            display_name: s.display_name,
            username: s.username,
            email: s.email,
            email_verified: s.email_verified,
            avatar_url: s.avatar_url,
            raw_claims: s.raw_claims,
        });
        let providers = self
            .flow
            .registry
            .all()
            .iter()
            .map(|p| ProviderButton {
                id: p.config.id.to_string(),
                name: p.config.name.clone(),
                brand: p.config.brand,
            })
            .collect();
        Ok(HomeState { user, providers })
    }

    async fn begin_sign_in(
        &self,
        http: &HttpExchange,
        provider: String,
        code_challenge: String,
        return_to: Option<String>,
    ) -> Result<SignInStart, AuthError> {
        let (start, transaction) = self
            .flow
            .begin(&provider, &code_challenge, return_to.as_deref())
            .await
            .map_err(|e| logged(&provider, e))?;
        http.set_cookie(&cookies::sign_in(transaction.expose()));
        Ok(start)
    }

    async fn complete_sign_in(
        &self,
        http: &HttpExchange,
        provider: String,
        callback_query: String,
        code_verifier: Option<String>,
    ) -> Result<SignedIn, AuthError> {
        let transaction =
            cookies::read(&http.headers, cookies::SIGN_IN).and_then(|v| TransactionId::from_untrusted(&v));
        // The transaction is single-use: the binding cookie goes whatever happens next.
        http.set_cookie(&cookies::clear(cookies::SIGN_IN));
        // A new session id at every sign-in; the one the browser had before is ended.
        let previous = Self::session_id(http);
        let (signed_in, session) = self
            .flow
            .complete(
                &provider,
                transaction,
                &callback_query,
                code_verifier.as_deref(),
                previous.as_ref(),
            )
            .await
            .map_err(|e| logged(&provider, e))?;
        http.set_cookie(&cookies::session(session.expose()));
        tracing::info!(provider, "signed in");
        Ok(signed_in)
    }

    async fn sign_out(&self, http: &HttpExchange) -> Result<(), AuthError> {
        if let Some(id) = Self::session_id(http) {
            sessions::delete(self.flow.db.writer(), &id)
                .await
                .map_err(internal)?;
        }
        http.set_cookie(&cookies::clear(cookies::SESSION));
        Ok(())
    }
}
