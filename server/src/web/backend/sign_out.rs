//! Signing out: here, and at the provider too (RP-Initiated Logout) with the check of the
//! provider's way back.

use app::{api::HttpExchange, error::AuthError};
use secrecy::ExposeSecret;

use super::{Backend, cookies, internal};
use crate::{
    domain::State,
    logout::at_provider,
    store::sessions::{self, SessionProfile},
};

impl Backend {
    pub(super) async fn end_session(&self, http: &HttpExchange) -> Result<(), AuthError> {
        if let Some(id) = self.session_id(http) {
            sessions::end(&self.flow.db, &id).await.map_err(internal)?;
            self.sessions.forget_all();
        }
        http.set_cookie(&self.session_cookie.clear());
        http.see_other_for_form_posts("/");
        Ok(())
    }

    pub(super) async fn end_session_and_leave_for_provider(
        &self,
        http: &HttpExchange,
    ) -> Result<String, AuthError> {
        let session = match self.session_id(http) {
            Some(id) => {
                let session = sessions::profile(&self.flow.db, &id).await.map_err(internal)?;
                sessions::end(&self.flow.db, &id).await.map_err(internal)?;
                self.sessions.forget_all();
                session
            }
            None => None,
        };
        http.set_cookie(&self.session_cookie.clear());
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

    pub(super) async fn back_from_provider_sign_out(
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
}
