//! What a provider granted: the token response as sign-in reads it ([`AccessGrant`]), and the
//! tokens kept from it ([`ProviderTokens`]). In memory every token is a secret that Debug and
//! logs cannot show.

use secrecy::SecretString;

use crate::domain::now;

/// The part of a token response that sign-in uses. Who the token belongs to is read from the
/// ID token or the profile API, not from extras in this response (Instagram's `user_id`).
#[derive(Debug)]
pub struct AccessGrant {
    pub access_token: SecretString,
    /// OpenID Connect: the still unverified ID token.
    pub id_token: Option<SecretString>,
    pub refresh_token: Option<SecretString>,
    /// Seconds from now, when the provider says.
    pub expires_in: Option<u64>,
    /// The scopes granted, space-separated, when the provider says.
    pub scope: Option<String>,
}

/// What a provider granted with a sign-in (access token, refresh token, expiry, scopes, ID
/// token), as kept with the identity.
#[derive(Debug)]
pub struct ProviderTokens {
    pub access_token: SecretString,
    /// OAuth 1.0a (X's legacy flow): the secret that signs requests made with the token.
    pub token_secret: Option<SecretString>,
    pub refresh_token: Option<SecretString>,
    /// Unix seconds; `None` when the provider gave no lifetime.
    pub expires_at: Option<i64>,
    /// The scopes granted, as the provider listed them.
    pub scope: Option<String>,
    /// OpenID Connect: the ID token, the hint for signing out at the provider.
    pub id_token: Option<SecretString>,
}

impl ProviderTokens {
    /// What an OAuth 2.0 or OpenID token response granted just now.
    pub fn granted(grant: &AccessGrant) -> Self {
        Self {
            access_token: grant.access_token.clone(),
            token_secret: None,
            refresh_token: grant.refresh_token.clone(),
            expires_at: grant
                .expires_in
                .map(|seconds| now().saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX))),
            scope: grant.scope.clone(),
            id_token: grant.id_token.clone(),
        }
    }

    /// OAuth 1.0a access credentials, which do not expire.
    pub fn oauth1(token: &str, secret: SecretString) -> Self {
        Self {
            access_token: SecretString::from(token.to_owned()),
            token_secret: Some(secret),
            refresh_token: None,
            expires_at: None,
            scope: None,
            id_token: None,
        }
    }
}
