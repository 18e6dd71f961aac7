use app::model::{Profile, SignedIn};
use secrecy::ExposeSecret;

use super::{FlowError, SignInFlow, callback_query::CallbackQuery};
use crate::{
    access::Entrant,
    domain::{CodeVerifier, SessionId, TransactionId, now},
    oauth::{self, grant::ProviderTokens, oauth1, oauth2},
    oidc,
    profile::VerifiedIdentity,
    providers::{Protocol, protocol::ResponseMode},
    registry::LiveProvider,
    store::{
        accounts::{self, Connected},
        audit::{self, Seen},
        identity_tokens::SealedTokens,
        security_events, sign_ins,
        transactions::{self, Binding, SignInTransaction},
        users,
    },
    telemetry,
};

impl SignInFlow {
    /// Checks the callback against the transaction bound to this browser and exchanges the
    /// code. A sign-in creates a new session (returned) in place of `current_session`; a
    /// connect attaches the identity to the account of `current_session`, which must be the
    /// session that asked, and keeps it. The transaction is consumed whatever the outcome.
    pub async fn complete(
        &self,
        provider_id: &str,
        transaction_id: Option<TransactionId>,
        callback_query: &str,
        code_verifier: Option<&str>,
        current_session: Option<&SessionId>,
        seen: &Seen,
    ) -> Result<(SignedIn, Option<SessionId>), FlowError> {
        let provider = self.provider(provider_id)?;
        let result = self
            .complete_for(
                provider,
                transaction_id,
                callback_query,
                code_verifier,
                current_session,
                seen,
            )
            .await;
        let outcome = match &result {
            Ok((_, Some(_))) => sign_ins::SIGNED_IN,
            Ok((_, None)) => accounts::CONNECTED,
            Err(error) => error.outcome(),
        };
        telemetry::sign_in_finished(provider.config.id.as_str(), outcome);
        // A success is recorded with the session it made; a failure on its own.
        if result.is_err() {
            let provider_id = provider.config.id.as_str();
            let recorded = async {
                audit::record(
                    &mut *self.db.writer().await?,
                    provider_id,
                    result.as_ref().err().and_then(FlowError::refused_account),
                    outcome,
                    Some(seen),
                )
                .await
            }
            .await;
            if let Err(error) = recorded {
                tracing::warn!(%error, "could not record a failed sign-in");
            }
        }
        result
    }

    async fn complete_for(
        &self,
        provider: &LiveProvider,
        transaction_id: Option<TransactionId>,
        callback_query: &str,
        code_verifier: Option<&str>,
        current_session: Option<&SessionId>,
        seen: &Seen,
    ) -> Result<(SignedIn, Option<SessionId>), FlowError> {
        let query = super::callback_query::parse(callback_query).map_err(FlowError::BadRequest)?;
        // No binding cookie: the callback was opened in a browser that did not start it.
        let transaction_id = transaction_id.ok_or(FlowError::InvalidCallback("no transaction cookie"))?;
        let tx = transactions::take(&self.db, &transaction_id)
            .await?
            .ok_or(FlowError::InvalidCallback("unknown or already used transaction"))?;
        check_transaction(provider, &tx, &query)?;
        // A verifier the server keeps is the only one that counts for its sign-in.
        let verifier = match &tx.held_verifier {
            Some(held) => held.clone(),
            None => code_verifier
                .and_then(CodeVerifier::parse)
                .ok_or(FlowError::InvalidCallback("no well-formed PKCE verifier"))?,
        };
        if let Some(asking) = &tx.link_session {
            self.check_connecting_session(asking, current_session).await?;
        }

        let (mut identity, granted) = self.exchange(provider, &tx, query, &verifier).await?;
        self.name_from_posted_form(provider, &tx, &mut identity).await?;
        // The provider's session, which a back-channel logout may name (the ID token was verified).
        let provider_sid = granted
            .id_token
            .as_ref()
            .and_then(|token| oidc::jwt_part::session_of_id_token(token.expose_secret()));
        self.check_not_suspended(provider, &identity).await?;
        if tx.link_session.is_none() {
            self.check_access(provider, &identity, &granted).await?;
        }
        let tokens = self.seal(&identity, &granted);
        let tokens = tokens.as_ref();
        let session = match &tx.link_session {
            None => Some(
                sign_ins::record(
                    &self.db,
                    &provider.config.id,
                    &identity,
                    tokens,
                    current_session,
                    seen,
                    provider_sid.as_deref(),
                )
                .await?,
            ),
            Some(asking) => {
                match accounts::connect(&self.db, asking, &provider.config.id, &identity, tokens, seen)
                    .await?
                {
                    Connected::Yes { .. } => None,
                    Connected::OwnedByAnother => {
                        return Err(FlowError::IdentityTaken(provider.config.name.clone()));
                    }
                    Connected::SessionEnded => return Err(FlowError::SessionEnded),
                }
            }
        };
        let signed_in = SignedIn {
            profile: profile_of(provider, identity),
            return_to: tx.return_to,
        };
        Ok((signed_in, session))
    }

    /// Apple names the person only in the form it POSTs with their first authorization; at
    /// later sign-ins the name kept then stands (the ID token has none).
    async fn name_from_posted_form(
        &self,
        provider: &LiveProvider,
        tx: &SignInTransaction,
        identity: &mut VerifiedIdentity,
    ) -> Result<(), FlowError> {
        let form_post = matches!(&provider.config.protocol, Protocol::Oidc(s) if s.response_mode == ResponseMode::FormPost);
        if !form_post {
            return Ok(());
        }
        identity.name_given = tx.posted_name.is_some();
        let name = match &tx.posted_name {
            Some(posted) => Some(posted.clone()),
            None => users::kept_name(&self.db, &identity.issuer, identity.subject.as_str()).await?,
        };
        if let Some(name) = name {
            identity.person.display_name = name;
        }
        Ok(())
    }

    /// The access policy, applied before any session is made: a refused person gets none.
    async fn check_access(
        &self,
        provider: &LiveProvider,
        identity: &VerifiedIdentity,
        granted: &ProviderTokens,
    ) -> Result<(), FlowError> {
        let entrant = Entrant {
            provider: &provider.config,
            subject: identity.subject.as_str(),
            email: identity.person.email.as_deref(),
            email_verified: identity.person.email_verified,
            hosted_domain: identity.hosted_domain.as_deref(),
        };
        let token = granted.access_token.clone();
        if self.access.allows(&entrant, || async move { Some(token) }).await {
            return Ok(());
        }
        // Named as the provider showed it, so the person sees which account to change.
        let account = identity
            .person
            .email
            .as_deref()
            .or(identity.person.username.as_deref())
            .unwrap_or(&identity.person.display_name);
        let known = security_events::standing(&self.db, &identity.issuer, identity.subject.as_str()).await?;
        Err(FlowError::NotAllowed {
            account: format!("{account} at {}", provider.config.name),
            user_id: known.map(|(user_id, _)| user_id),
        })
    }

    /// An identity whose provider reported its account disabled (Google's Cross-Account
    /// Protection) neither signs in nor connects until the provider reports it enabled. Only
    /// providers that send such reports are asked.
    async fn check_not_suspended(
        &self,
        provider: &LiveProvider,
        identity: &VerifiedIdentity,
    ) -> Result<(), FlowError> {
        if provider.security_events_configuration().is_none() {
            return Ok(());
        }
        match security_events::standing(&self.db, &identity.issuer, identity.subject.as_str()).await? {
            Some((user_id, true)) => Err(FlowError::Suspended {
                provider: provider.config.name.clone(),
                user_id,
            }),
            _ => Ok(()),
        }
    }

    /// A connect finishes only in the session that began it, and only while that session lives;
    /// checked before the provider is called.
    async fn check_connecting_session(
        &self,
        asking_digest: &str,
        current_session: Option<&SessionId>,
    ) -> Result<(), FlowError> {
        // Signed out since (the cookie is gone): the session has ended.
        let current = current_session.ok_or(FlowError::SessionEnded)?;
        if !crate::domain::equal_in_constant_time(&current.digest(), asking_digest) {
            return Err(FlowError::InvalidCallback(
                "connect finished in another session than it began in",
            ));
        }
        self.require_live(current).await
    }

    /// What the provider granted, sealed to be kept with the identity; `None` without
    /// `TOKEN_KEYS`.
    fn seal(&self, identity: &VerifiedIdentity, tokens: &ProviderTokens) -> Option<SealedTokens> {
        let sealed = self
            .token_keys
            .as_ref()?
            .seal(&identity.issuer, identity.subject.as_str(), tokens);
        if sealed.is_none() {
            tracing::warn!("the provider's tokens could not be sealed, so they are not kept");
        }
        sealed
    }

    /// The protocol's own checks of the callback, then the exchange that proves who signed in
    /// and brings what the provider granted. Every check that needs no provider comes before
    /// the first call to it.
    async fn exchange(
        &self,
        provider: &LiveProvider,
        tx: &SignInTransaction,
        query: CallbackQuery,
        verifier: &CodeVerifier,
    ) -> Result<(VerifiedIdentity, ProviderTokens), FlowError> {
        match (&provider.config.protocol, &tx.binding) {
            (Protocol::Oidc(settings), Binding::State(_)) => {
                let nonce = tx
                    .nonce
                    .as_ref()
                    .ok_or(FlowError::InvalidCallback("transaction without nonce"))?;
                let discovered = self.discovered(provider).await?;
                if query.iss.is_none() && discovered.requires_iss_parameter() {
                    return Err(FlowError::InvalidCallback(
                        "iss missing though the provider sends it",
                    ));
                }
                let code = authorization_code(query, verifier, tx)?;
                oidc::exchange_code(provider, settings, &discovered, &self.http, code, verifier, nonce)
                    .await
                    .map_err(FlowError::Oidc)
            }
            (Protocol::OAuth2(settings), Binding::State(_)) => {
                let code = authorization_code(query, verifier, tx)?;
                oauth2::exchange(provider, settings, &self.http, code, verifier)
                    .await
                    .map_err(FlowError::OAuth)
            }
            (Protocol::OAuth1(settings), Binding::RequestToken(request_token)) => {
                let oauth_verifier = query
                    .oauth_verifier
                    .filter(|v| !v.is_empty())
                    .ok_or(FlowError::InvalidCallback("no oauth_verifier"))?;
                check_pkce(verifier, tx)?;
                oauth1::exchange(provider, settings, &self.http, request_token, &oauth_verifier)
                    .await
                    .map_err(FlowError::OAuth)
            }
            _ => Err(FlowError::InvalidCallback(
                "transaction does not fit the provider's protocol",
            )),
        }
    }
}

/// LiveProvider, binding (state or request token), expiry, the provider's own error, and `iss`.
fn check_transaction(
    provider: &LiveProvider,
    tx: &SignInTransaction,
    query: &CallbackQuery,
) -> Result<(), FlowError> {
    if tx.provider_id != provider.config.id.as_str() {
        return Err(FlowError::InvalidCallback(
            "callback path names another provider than the transaction",
        ));
    }
    let presented = match tx.binding {
        Binding::State(_) => query.state.as_deref(),
        // X sends `denied=<request token>` instead of `oauth_token` when the person refuses.
        Binding::RequestToken(_) => query.oauth_token.as_deref().or(query.denied.as_deref()),
    }
    .ok_or(FlowError::InvalidCallback("no state or oauth_token"))?;
    if !tx.binding.matches(presented) {
        return Err(FlowError::InvalidCallback(
            "state or oauth_token differs from the transaction's",
        ));
    }
    if tx.is_expired(now()) {
        return Err(FlowError::Expired);
    }
    if query.denied.is_some() {
        return Err(FlowError::ProviderError {
            code: "denied".into(),
            denied: true,
        });
    }
    if let Some(error) = &query.error {
        let code = oauth::error_code(error);
        return Err(FlowError::ProviderError {
            // Apple says the person cancelled in its own words.
            denied: code == "access_denied" || code == "user_cancelled_authorize",
            code,
        });
    }
    // RFC 9207: an `iss` that is present must be the issuer this sign-in started with.
    if query.iss.as_deref().is_some_and(|iss| iss != tx.issuer) {
        return Err(FlowError::InvalidCallback("iss differs from the issuer"));
    }
    Ok(())
}

fn authorization_code(
    query: CallbackQuery,
    verifier: &CodeVerifier,
    tx: &SignInTransaction,
) -> Result<String, FlowError> {
    let code = query
        .code
        .filter(|c| !c.is_empty())
        .ok_or(FlowError::InvalidCallback("no authorization code"))?;
    check_pkce(verifier, tx)?;
    Ok(code)
}

fn check_pkce(verifier: &CodeVerifier, tx: &SignInTransaction) -> Result<(), FlowError> {
    if tx.code_challenge.is_satisfied_by(verifier) {
        Ok(())
    } else {
        Err(FlowError::InvalidCallback(
            "PKCE verifier does not match the challenge",
        ))
    }
}

fn profile_of(provider: &LiveProvider, identity: VerifiedIdentity) -> Profile {
    Profile {
        provider_name: provider.config.name.clone(),
        subject: identity.subject.as_str().to_owned(),
        person: identity.person,
    }
}
