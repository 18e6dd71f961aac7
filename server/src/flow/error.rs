use app::error::AuthError;

use crate::{oauth::OAuthError, oidc::OidcError};

/// Audit outcomes an account's history shows.
pub const REFUSED_BY_POLICY: &str = "refused-by-policy";
pub const REFUSED_SUSPENDED: &str = "refused-suspended";

/// Why a sign-in step failed, in detail for the log. [`FlowError::public`] is all the browser sees.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("no provider with id {0:?}")]
    UnknownProvider(String),
    #[error("provider {0} is unavailable: {1}")]
    ProviderUnavailable(String, String),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("callback rejected: {0}")]
    InvalidCallback(&'static str),
    #[error("the sign-in transaction expired")]
    Expired,
    #[error("the provider returned error {code:?}")]
    ProviderError { code: String, denied: bool },
    #[error(transparent)]
    Oidc(OidcError),
    #[error(transparent)]
    OAuth(OAuthError),
    #[error("the session that asked for this has ended")]
    SessionEnded,
    #[error("the identity belongs to another account")]
    IdentityTaken(String),
    #[error("{account} is not allowed by the access policy")]
    NotAllowed { account: String, user_id: Option<i64> },
    #[error("the provider has suspended the identity")]
    Suspended { provider: String, user_id: i64 },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl FlowError {
    pub fn public(&self) -> AuthError {
        match self {
            FlowError::UnknownProvider(_) => AuthError::UnknownProvider,
            FlowError::ProviderUnavailable(name, _) => AuthError::ProviderUnavailable(name.clone()),
            FlowError::BadRequest(what) => AuthError::BadRequest((*what).to_owned()),
            FlowError::InvalidCallback(_) => AuthError::InvalidCallback,
            FlowError::Expired => AuthError::Expired,
            FlowError::ProviderError { denied: true, .. } => AuthError::AccessDenied,
            FlowError::ProviderError { denied: false, .. } => AuthError::ProviderRefused,
            FlowError::Oidc(
                OidcError::TokenRequest(_) | OidcError::MissingIdToken | OidcError::UserInfo(_),
            ) => AuthError::ProviderRefused,
            FlowError::Oidc(OidcError::Discovery(_) | OidcError::DiscoveryBackoff) => {
                AuthError::ProviderRefused
            }
            FlowError::Oidc(
                OidcError::IdToken(_) | OidcError::BadSubject | OidcError::UserInfoSubjectMismatch,
            ) => AuthError::VerificationFailed,
            FlowError::OAuth(OAuthError::Profile(_) | OAuthError::SubjectMismatch) => {
                AuthError::VerificationFailed
            }
            FlowError::OAuth(_) => AuthError::ProviderRefused,
            FlowError::SessionEnded => AuthError::SignInRequired,
            FlowError::IdentityTaken(name) => AuthError::IdentityTaken(name.clone()),
            FlowError::NotAllowed { account, .. } => AuthError::NotAllowed(account.clone()),
            FlowError::Suspended { provider, .. } => AuthError::Suspended(provider.clone()),
            FlowError::Database(_) => AuthError::Internal,
        }
    }

    /// The account of a known person who was refused, whose history shows it.
    pub fn refused_account(&self) -> Option<i64> {
        match self {
            FlowError::NotAllowed { user_id, .. } => *user_id,
            FlowError::Suspended { user_id, .. } => Some(*user_id),
            _ => None,
        }
    }

    /// A short, fixed word for the audit trail.
    pub fn outcome(&self) -> &'static str {
        match self {
            FlowError::UnknownProvider(_) => "unknown-provider",
            FlowError::ProviderUnavailable(..) => "provider-unavailable",
            FlowError::BadRequest(_) => "bad-request",
            FlowError::InvalidCallback(_) => "invalid-callback",
            FlowError::Expired => "expired",
            FlowError::ProviderError { denied: true, .. } => "denied",
            FlowError::ProviderError { denied: false, .. } => "provider-error",
            FlowError::Oidc(OidcError::IdToken(_) | OidcError::BadSubject) => "id-token-rejected",
            FlowError::Oidc(OidcError::UserInfoSubjectMismatch) => "userinfo-mismatch",
            FlowError::Oidc(_) => "exchange-failed",
            FlowError::OAuth(OAuthError::Profile(_) | OAuthError::SubjectMismatch) => "profile-rejected",
            FlowError::OAuth(_) => "exchange-failed",
            FlowError::SessionEnded => "session-ended",
            FlowError::IdentityTaken(_) => "identity-taken",
            FlowError::NotAllowed { .. } => REFUSED_BY_POLICY,
            FlowError::Suspended { .. } => REFUSED_SUSPENDED,
            FlowError::Database(_) => "internal-error",
        }
    }
}
