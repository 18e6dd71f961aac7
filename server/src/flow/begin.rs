use app::model::SignInStart;

use super::{FlowError, SignInFlow, return_path};
use crate::{
    domain::{CodeChallenge, CodeVerifier, Nonce, SessionId, State, TransactionId, now},
    oauth::{oauth1, oauth2},
    providers::{Protocol, protocol::ResponseMode},
    store::transactions::{self, Binding, SignInTransaction},
};

/// Where a connected provider brings the person back to.
pub const ACCOUNT_PAGE: &str = "/account";

/// Who keeps a sign-in's PKCE verifier.
#[derive(Debug, Clone, Copy)]
pub enum Pkce<'a> {
    /// The browser made the pair (the wasm path) and sends only the challenge.
    Browser { challenge: &'a str },
    /// A plain form began the sign-in: the server makes the pair and keeps the verifier.
    Server,
}

/// What a sign-in is for.
#[derive(Debug, Clone, Copy)]
pub enum Purpose<'a> {
    /// Signing in, then going to `return_to` when it is a safe same-origin path.
    SignIn { return_to: Option<&'a str> },
    /// Connecting the provider to the account of `session`, then going to the account page.
    Connect { session: &'a SessionId },
}

impl SignInFlow {
    /// Records a new transaction and returns the provider URL to send the browser to, with the
    /// id that the binding cookie must carry back. A connect names the session that asked,
    /// which must be live.
    pub async fn begin(
        &self,
        provider_id: &str,
        pkce: Pkce<'_>,
        purpose: Purpose<'_>,
    ) -> Result<(SignInStart, TransactionId), FlowError> {
        let provider = self.provider(provider_id)?;
        let (return_to, link_session) = match purpose {
            Purpose::SignIn { return_to } => (return_path::sanitize(return_to, &self.redirect_hosts), None),
            Purpose::Connect { session } => {
                self.require_live(session).await?;
                (ACCOUNT_PAGE.to_owned(), Some(session.digest()))
            }
        };
        let (challenge, held_verifier) = match pkce {
            Pkce::Browser { challenge } => (
                CodeChallenge::parse(challenge)
                    .ok_or(FlowError::BadRequest("the PKCE challenge is malformed"))?,
                None,
            ),
            Pkce::Server => {
                let verifier = CodeVerifier::generate();
                let challenge = CodeChallenge::parse(&verifier.challenge())
                    .expect("the S256 of a verifier is a well-formed challenge");
                (challenge, Some(verifier))
            }
        };
        let (binding, nonce, authorization_url) = match &provider.config.protocol {
            Protocol::Oidc(settings) => {
                let discovered = self.discovered(provider).await?;
                let (state, nonce) = (State::generate(), Nonce::generate());
                let endpoint = discovered.metadata.authorization_endpoint().url();
                let mut extra = Vec::new();
                if let Some(claims) = settings.claims_request {
                    extra.push(("claims", claims));
                }
                if settings.response_mode == ResponseMode::FormPost {
                    extra.push(("response_mode", "form_post"));
                }
                let url = oauth2::authorization_request(
                    endpoint,
                    provider,
                    ' ',
                    &state,
                    Some(&nonce),
                    settings.sends_pkce.then_some(&challenge),
                    &extra,
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
        let tx = SignInTransaction {
            provider_id: provider.config.id.to_string(),
            issuer: provider.config.protocol.issuer().to_owned(),
            binding,
            nonce,
            code_challenge: challenge,
            return_to,
            link_session,
            held_verifier,
            posted_name: None,
            created_at: now(),
        };
        let id = TransactionId::generate();
        transactions::insert(&self.db, &id, &tx).await?;
        let start = SignInStart {
            authorization_url,
            state: tx.binding.public_value().to_owned(),
        };
        Ok((start, id))
    }
}
