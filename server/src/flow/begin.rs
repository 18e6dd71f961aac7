use app::model::SignInStart;

use super::{FlowError, SignInFlow, return_path};
use crate::{
    domain::{CodeChallenge, Nonce, SessionId, State, TransactionId},
    oauth::{oauth1, oauth2},
    providers::Protocol,
    store::transactions::{self, Binding, SignInTransaction},
};

/// Where a connected provider brings the person back to.
pub const ACCOUNT_PAGE: &str = "/account";

impl SignInFlow {
    /// Records a new transaction and returns the provider URL to send the browser to, with the
    /// id that the binding cookie must carry back.
    pub async fn begin(
        &self,
        provider_id: &str,
        code_challenge: &str,
        return_to: Option<&str>,
    ) -> Result<(SignInStart, TransactionId), FlowError> {
        self.begin_transaction(provider_id, code_challenge, return_path::sanitize(return_to), None)
            .await
    }

    /// Like [`Self::begin`], for connecting another provider to the account of `session`: the
    /// transaction names that session, and the person comes back to the account page.
    pub async fn begin_connect(
        &self,
        provider_id: &str,
        code_challenge: &str,
        session: &SessionId,
    ) -> Result<(SignInStart, TransactionId), FlowError> {
        crate::store::sessions::profile(&self.db, session)
            .await?
            .ok_or(FlowError::SessionEnded)?;
        self.begin_transaction(provider_id, code_challenge, ACCOUNT_PAGE.to_owned(), Some(session.digest()))
            .await
    }

    async fn begin_transaction(
        &self,
        provider_id: &str,
        code_challenge: &str,
        return_to: String,
        link_session: Option<String>,
    ) -> Result<(SignInStart, TransactionId), FlowError> {
        let provider = self.provider(provider_id)?;
        let challenge = CodeChallenge::parse(code_challenge)
            .ok_or(FlowError::BadRequest("the PKCE challenge is malformed"))?;
        let (binding, nonce, authorization_url) = match &provider.config.protocol {
            Protocol::Oidc(_) => {
                let discovered = self.discovered(provider).await?;
                let (state, nonce) = (State::generate(), Nonce::generate());
                let endpoint = discovered.metadata.authorization_endpoint().url();
                let url = oauth2::authorization_request(
                    endpoint,
                    provider,
                    ' ',
                    &state,
                    Some(&nonce),
                    Some(&challenge),
                )
                .into();
                (Binding::State(state), Some(nonce), url)
            }
            Protocol::OAuth2(settings) => {
                let state = State::generate();
                let url = oauth2::authorization_url(provider, settings, &state, &challenge).into();
                (Binding::State(state), None, url)
            }
            Protocol::OAuth1(settings) => {
                let token = oauth1::request_token(provider, settings, &self.http)
                    .await
                    .map_err(|e| {
                        FlowError::ProviderUnavailable(provider.config.name.clone(), e.to_string())
                    })?;
                let url = oauth1::authorization_url(settings, &token).into();
                (Binding::RequestToken(token), None, url)
            }
        };
        let tx = SignInTransaction::new(
            &provider.config.id,
            provider.config.protocol.issuer(),
            binding,
            nonce,
            challenge,
            return_to,
            link_session,
        );
        let id = TransactionId::generate();
        transactions::insert(&self.db, &id, &tx).await?;
        let start = SignInStart {
            authorization_url,
            state: tx.binding.public_value().to_owned(),
        };
        Ok((start, id))
    }
}
