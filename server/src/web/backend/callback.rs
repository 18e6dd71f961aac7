//! The callback page's server functions: completing a sign-in or connect with the provider's
//! answer, and the plain-form path where the server holds the verifier.

use app::{api::HttpExchange, error::AuthError, model::SignedIn};

use super::{Backend, cookies, internal, sign_in::logged};
use crate::store::transactions;

impl Backend {
    pub(super) async fn finish_held(
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
        let signed_in = self.complete(http, &provider, &callback_query, None).await?;
        http.see_other(&signed_in.return_to);
        Ok(Some(signed_in.return_to))
    }

    pub(super) async fn complete(
        &self,
        http: &HttpExchange,
        provider: &str,
        query: &str,
        verifier: Option<&str>,
    ) -> Result<SignedIn, AuthError> {
        let transaction = Self::transaction_id(http);
        // The transaction is single-use: the binding cookie goes whatever happens next.
        http.set_cookie(&cookies::clear(cookies::SIGN_IN));
        // A sign-in makes a new session id, and the one the browser had before is ended; a
        // connect keeps the session that asked for it.
        let current = self.session_id(http);
        let (signed_in, session) = self
            .flow
            .complete(
                provider,
                transaction,
                query,
                verifier,
                current.as_ref(),
                &Self::seen(http),
            )
            .await
            .map_err(|e| logged(provider, e))?;
        match session {
            Some(session) => {
                // The session the browser had before has ended.
                self.sessions.forget_all();
                http.set_cookie(&self.session_cookie.set(session.expose()));
                tracing::info!(provider, "signed in");
            }
            None => tracing::info!(provider, "provider connected"),
        }
        Ok(signed_in)
    }
}
