//! The account page's server functions: what it shows (connected providers, live sessions),
//! connecting another provider, disconnecting one, and ending the other sessions.

use app::{
    api::{DELETE_CONFIRMATION, HttpExchange},
    error::AuthError,
    model::{Account, ActiveSession, HistoryEntry, SignInStart},
};

use super::{Backend, browser_family, internal, sign_in::error_page};
use crate::{
    flow::{ACCOUNT_PAGE, Pkce, Purpose, REFUSED_BY_POLICY, REFUSED_SUSPENDED},
    logout::at_provider,
    store::{
        accounts::{self, Disconnected},
        audit, erasure, security_events, sessions, sign_ins,
    },
    tokens::revoke,
};

impl Backend {
    pub(super) async fn account_page(&self, http: &HttpExchange) -> Result<Account, AuthError> {
        let (id, session) = self.signed_in(http).await?;
        let user_id = session.user_id;
        let identities = accounts::identities_of(&self.flow.db, user_id)
            .await
            .map_err(internal)?;
        let live = sessions::list_for_user(&self.flow.db, user_id)
            .await
            .map_err(internal)?;
        let current = id.digest();
        let connected = self.connected(identities);
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
        let history = audit::history(&self.flow.db, user_id, HISTORY_LENGTH)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|event| HistoryEntry {
                at: shown_time(event.at),
                event: described(&event.outcome),
                provider_name: self.provider_name(&event.provider_id),
                browser: event.browser,
                network: event.network,
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
            history,
        })
    }

    pub(super) async fn connect_from_browser(
        &self,
        http: &HttpExchange,
        provider: String,
        code_challenge: String,
    ) -> Result<SignInStart, AuthError> {
        let session = self.session_id(http).ok_or(AuthError::SignInRequired)?;
        let pkce = Pkce::Browser {
            challenge: &code_challenge,
        };
        self.begin(http, &provider, pkce, Purpose::Connect { session: &session })
            .await
    }

    pub(super) async fn connect_from_form(&self, http: &HttpExchange, provider: String) {
        match self.session_id(http) {
            Some(session) => {
                self.start(http, &provider, Purpose::Connect { session: &session })
                    .await
            }
            None => http.see_other(&error_page(&AuthError::SignInRequired, &provider)),
        }
    }

    pub(super) async fn disconnect_identity(
        &self,
        http: &HttpExchange,
        identity: i64,
    ) -> Result<(), AuthError> {
        let result = async {
            let (_, session) = self.signed_in(http).await?;
            match accounts::disconnect(&self.flow.db, session.user_id, identity, &Self::seen(http))
                .await
                .map_err(internal)?
            {
                Disconnected::Yes(grant) => {
                    // Sessions signed in with that identity may have ended with it.
                    self.sessions.forget_all();
                    if let Some((provider, tokens)) = grant.and_then(|grant| self.tokens.open_removed(&grant))
                    {
                        revoke::in_background(
                            provider,
                            self.flow.http.clone(),
                            tokens,
                            "a disconnected identity's grant",
                        );
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

    pub(super) async fn end_other_sessions(&self, http: &HttpExchange) -> Result<(), AuthError> {
        let result = async {
            let (id, session) = self.signed_in(http).await?;
            let ended = sessions::delete_others(
                &self.flow.db,
                session.user_id,
                &id,
                &session.provider_id,
                &Self::seen(http),
            )
            .await
            .map_err(internal)?;
            self.sessions.forget_all();
            tracing::info!(ended, "signed out everywhere else");
            Ok(())
        }
        .await;
        back_to_account(http, result)
    }

    /// Deletes the account of this session and everything kept about its person, then gives
    /// each kept grant back to its provider in the background (as disconnect does), so a slow
    /// provider never holds the deletion up. Every session of the account ends with it.
    pub(super) async fn erase_account(&self, http: &HttpExchange, confirm: &str) -> Result<(), AuthError> {
        if confirm != DELETE_CONFIRMATION {
            return Err(AuthError::BadRequest(
                "confirm the deletion with the button on the account page".into(),
            ));
        }
        let (_, session) = self.signed_in(http).await?;
        let removed = erasure::delete_account(&self.flow.db, session.user_id)
            .await
            .map_err(internal)?
            .unwrap_or_default();
        self.sessions.forget_all();
        http.set_cookie(&self.session_cookie.clear());
        for (provider, tokens) in removed.iter().filter_map(|grant| self.tokens.open_removed(grant)) {
            revoke::in_background(
                provider,
                self.flow.http.clone(),
                tokens,
                "a deleted account's grant",
            );
        }
        tracing::info!(
            grants = removed.len(),
            "deleted an account at its person's request"
        );
        http.see_other_for_form_posts("/");
        Ok(())
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

/// How many of its latest events the account page shows.
const HISTORY_LENGTH: i64 = 20;

/// An audit outcome as the history says it.
fn described(outcome: &str) -> String {
    match outcome {
        sign_ins::SIGNED_IN => "Signed in",
        accounts::CONNECTED => "Connected",
        audit::DISCONNECTED => "Disconnected",
        audit::RECONNECT_NEEDED => "Asked to reconnect",
        audit::SIGNED_OUT_ELSEWHERE => "Signed out everywhere else",
        audit::REMOVED_BY_PROVIDER => "Removed: the provider says the account there was deleted",
        REFUSED_BY_POLICY => "Sign-in refused by this site's access policy",
        REFUSED_SUSPENDED => "Sign-in refused: the provider reported the account disabled",
        security_events::PROVIDER_ENDED_SESSIONS => "Sessions ended at the provider's request",
        security_events::PROVIDER_REVOKED_ACCESS => "Access withdrawn at the provider; sessions ended",
        security_events::PROVIDER_SUSPENDED => {
            "The provider reported the account disabled; sign-in with it paused"
        }
        security_events::PROVIDER_RESTORED => "The provider reported the account enabled again",
        security_events::PROVIDER_FLAGGED => "The provider advised watching for suspicious activity",
        other => other,
    }
    .to_owned()
}

/// Unix seconds as the account page shows them.
pub(super) fn shown_time(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|time| time.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}
