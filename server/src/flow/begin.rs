use app::model::SignInStart;

use super::{FlowError, SignInFlow, return_path};
use crate::{
    domain::{CodeChallenge, TransactionId},
    providers::{DiscoveredProvider, Provider},
    store::transactions::{self, SignInTransaction},
};

impl SignInFlow {
    /// Records a new transaction and returns the provider URL to send the browser to, with the
    /// id that the binding cookie must carry back.
    pub async fn begin(
        &self,
        provider_id: &str,
        code_challenge: &str,
        return_to: Option<&str>,
    ) -> Result<(SignInStart, TransactionId), FlowError> {
        let provider = self.provider(provider_id)?;
        let challenge = CodeChallenge::parse(code_challenge)
            .ok_or(FlowError::BadRequest("the PKCE challenge is malformed"))?;
        let discovered = self.discovered(provider).await?;
        let tx = SignInTransaction::new(
            &provider.config.id,
            provider.config.issuer.as_str(),
            challenge,
            return_path::sanitize(return_to),
        );
        let id = TransactionId::generate();
        transactions::insert(&self.db, &id, &tx).await?;
        let start = SignInStart {
            authorization_url: authorization_url(provider, &discovered, &tx),
            state: tx.state.expose().to_owned(),
        };
        Ok((start, id))
    }
}

/// The authorization request: code flow, S256 PKCE always, state and nonce always.
fn authorization_url(provider: &Provider, discovered: &DiscoveredProvider, tx: &SignInTransaction) -> String {
    let mut url = discovered.metadata.authorization_endpoint().url().clone();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", provider.config.client_id.as_str())
        .append_pair("redirect_uri", provider.redirect_uri.as_str())
        .append_pair("scope", &provider.config.scopes.join(" "))
        .append_pair("state", tx.state.expose())
        .append_pair("nonce", tx.nonce.expose())
        .append_pair("code_challenge", tx.code_challenge.as_str())
        .append_pair("code_challenge_method", "S256");
    url.into()
}
