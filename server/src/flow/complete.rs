use app::model::{Profile, SignedIn};

use super::{FlowError, SignInFlow, callback_query};
use crate::{
    domain::{CodeVerifier, SessionId, TransactionId, now},
    oidc::{self, VerifiedIdentity},
    providers::Provider,
    store::{audit, sessions, transactions, users},
};

impl SignInFlow {
    /// Checks the callback against the transaction bound to this browser, exchanges the code,
    /// and creates a new session. The transaction is consumed whatever the outcome.
    pub async fn complete(
        &self,
        provider_id: &str,
        transaction_id: Option<TransactionId>,
        callback_query: &str,
        code_verifier: Option<&str>,
    ) -> Result<(SignedIn, SessionId), FlowError> {
        let provider = self.provider(provider_id)?;
        let result = self
            .complete_for(provider, transaction_id, callback_query, code_verifier)
            .await;
        let (outcome, user_id) = match &result {
            Ok((_, _, user_id)) => ("signed-in", Some(*user_id)),
            Err(error) => (error.outcome(), None),
        };
        audit::record(&self.db, provider.config.id.as_str(), user_id, outcome).await;
        result.map(|(signed_in, session, _)| (signed_in, session))
    }

    async fn complete_for(
        &self,
        provider: &Provider,
        transaction_id: Option<TransactionId>,
        callback_query: &str,
        code_verifier: Option<&str>,
    ) -> Result<(SignedIn, SessionId, i64), FlowError> {
        let query = callback_query::parse(callback_query).map_err(FlowError::BadRequest)?;
        // No binding cookie: the callback was opened in a browser that did not start it.
        let transaction_id = transaction_id.ok_or(FlowError::InvalidCallback("no transaction cookie"))?;
        let tx = transactions::take(&self.db, &transaction_id)
            .await?
            .ok_or(FlowError::InvalidCallback("unknown or already used transaction"))?;

        if tx.provider_id != provider.config.id.as_str() {
            return Err(FlowError::InvalidCallback(
                "callback path names another provider than the transaction",
            ));
        }
        let state = query
            .state
            .as_deref()
            .ok_or(FlowError::InvalidCallback("no state"))?;
        if !tx.state.matches(state) {
            return Err(FlowError::InvalidCallback("state differs from the transaction's"));
        }
        if tx.is_expired(now()) {
            return Err(FlowError::Expired);
        }
        if let Some(error) = query.error {
            let code: String = error.chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
            return Err(FlowError::ProviderError {
                denied: code == "access_denied",
                code,
            });
        }

        let discovered = self.discovered(provider).await?;
        match query.iss.as_deref() {
            Some(iss) if iss != tx.issuer => {
                return Err(FlowError::InvalidCallback("iss differs from the issuer"));
            }
            None if discovered.requires_iss_parameter() => {
                return Err(FlowError::InvalidCallback(
                    "iss missing though the provider sends it",
                ));
            }
            _ => {}
        }
        let code = query
            .code
            .filter(|c| !c.is_empty())
            .ok_or(FlowError::InvalidCallback("no authorization code"))?;
        let verifier = code_verifier
            .and_then(CodeVerifier::parse)
            .ok_or(FlowError::InvalidCallback("no well-formed PKCE verifier"))?;
        if !tx.code_challenge.is_satisfied_by(&verifier) {
            return Err(FlowError::InvalidCallback(
                "PKCE verifier does not match the challenge",
            ));
        }

        let identity = oidc::exchange_code(provider, &discovered, &self.http, code, &verifier, &tx.nonce)
            .await
            .map_err(FlowError::Oidc)?;
        let ids = users::upsert_identity(&self.db, &provider.config.id, &identity).await?;
        let session = sessions::create(&self.db, ids).await?;
        let signed_in = SignedIn {
            profile: profile_of(provider, identity),
            return_to: tx.return_to,
        };
        Ok((signed_in, session, ids.user_id))
    }
}

fn profile_of(provider: &Provider, identity: VerifiedIdentity) -> Profile {
    Profile {
        provider_name: provider.config.name.clone(),
        display_name: identity.display_name,
        username: identity.username,
        email: identity.email,
        email_verified: identity.email_verified,
        avatar_url: identity.avatar_url,
    }
}
