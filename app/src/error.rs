//! The errors a person can see. Each message says what happened and what to do; details from
//! the provider are logged on the server and never put here.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AuthError {
    #[error("That sign-in option is not available here.")]
    UnknownProvider,
    #[error("{0} cannot be reached right now. Please try again in a moment.")]
    ProviderUnavailable(String),
    #[error("Sign-in was cancelled. Nothing was shared with this site.")]
    AccessDenied,
    #[error("The provider could not complete the sign-in. Please try again.")]
    ProviderRefused,
    #[error(
        "This sign-in link is not valid here. It may have been used already, or started in another browser or tab."
    )]
    InvalidCallback,
    #[error("The sign-in took too long to finish. Please start again.")]
    Expired,
    #[error("The identity returned by the provider could not be verified, so you were not signed in.")]
    VerificationFailed,
    #[error("That request was not accepted: {0}")]
    BadRequest(String),
    #[error("This request came from another site and was refused.")]
    CrossSite,
    #[error("Too many sign-in attempts. Please wait a minute and try again.")]
    RateLimited,
    #[error("Please sign in to continue.")]
    SignInRequired,
    #[error(
        "That {0} account is already connected to another account here, so nothing was changed. Sign in with it to use that account."
    )]
    IdentityTaken(String),
    #[error(
        "{0} may not sign in here, so you were not signed in. Try again with another account, or ask whoever runs this site to let it in."
    )]
    NotAllowed(String),
    #[error(
        "{0} has reported that account as disabled, so it cannot be used to sign in here until {0} restores it. Sign in with another provider you connected, or try again later."
    )]
    Suspended(String),
    #[error(
        "This is the only way you can sign in, so it cannot be disconnected. Connect another provider first."
    )]
    LastIdentity,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl FromServerFnError for AuthError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AuthError::BadRequest("some required information was missing or malformed".into())
            }
            // On the server this is a request body that does not decode (not UTF-8, say): the
            // client's input. In the browser it is an answer that does not decode: transport.
            ServerFnErrorErr::Deserialization(_) if cfg!(feature = "ssr") => {
                AuthError::BadRequest("the request could not be read".into())
            }
            other => AuthError::Transport(other.to_string()),
        }
    }
}

impl AuthError {
    /// Names the error in the query of the sign-in page (`?sign_in_error=`), where a plain
    /// form is sent when it cannot go on to the provider.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::UnknownProvider => "unknown-provider",
            AuthError::ProviderUnavailable(_) => "provider-unavailable",
            AuthError::AccessDenied => "access-denied",
            AuthError::ProviderRefused => "provider-refused",
            AuthError::InvalidCallback => "invalid-callback",
            AuthError::Expired => "expired",
            AuthError::VerificationFailed => "verification-failed",
            AuthError::BadRequest(_) => "bad-request",
            AuthError::CrossSite => "cross-site",
            AuthError::RateLimited => "rate-limited",
            AuthError::SignInRequired => "sign-in-required",
            AuthError::IdentityTaken(_) => "identity-taken",
            AuthError::LastIdentity => "last-identity",
            AuthError::NotAllowed(_) => "not-allowed",
            AuthError::Suspended(_) => "suspended",
            AuthError::Internal => "internal",
            AuthError::Transport(_) => "transport",
        }
    }

    /// The error a `code` names; `provider_name` fills in the messages that name a provider.
    pub fn from_code(code: &str, provider_name: &str) -> Option<AuthError> {
        let name = || provider_name.to_owned();
        Some(match code {
            "unknown-provider" => AuthError::UnknownProvider,
            "provider-unavailable" => AuthError::ProviderUnavailable(name()),
            "access-denied" => AuthError::AccessDenied,
            "provider-refused" => AuthError::ProviderRefused,
            "invalid-callback" => AuthError::InvalidCallback,
            "expired" => AuthError::Expired,
            "verification-failed" => AuthError::VerificationFailed,
            "bad-request" => AuthError::BadRequest("the request was malformed".into()),
            "cross-site" => AuthError::CrossSite,
            "rate-limited" => AuthError::RateLimited,
            "sign-in-required" => AuthError::SignInRequired,
            "identity-taken" => AuthError::IdentityTaken(name()),
            "last-identity" => AuthError::LastIdentity,
            "not-allowed" => AuthError::NotAllowed(name()),
            "suspended" => AuthError::Suspended(name()),
            "internal" => AuthError::Internal,
            _ => return None,
        })
    }

    /// The error a server function's JSON answer names: a variant's name and, for the variants
    /// that hold one, its text (a provider's name, or what was wrong with a request). Each
    /// code is its variant's name in kebab case, so `from_code` reads both.
    pub fn from_wire(variant: &str, text: Option<String>) -> AuthError {
        let mut code = String::with_capacity(variant.len() + 4);
        for (i, c) in variant.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                code.push('-');
            }
            code.push(c.to_ascii_lowercase());
        }
        match (
            AuthError::from_code(&code, text.as_deref().unwrap_or_default()),
            text,
        ) {
            (Some(AuthError::BadRequest(_)), Some(detail)) => AuthError::BadRequest(detail),
            (Some(error), _) => error,
            (None, _) => AuthError::Internal,
        }
    }

    /// The HTTP status that goes with the error, so that logs and proxies see failures as such.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::UnknownProvider => 404,
            AuthError::BadRequest(_)
            | AuthError::AccessDenied
            | AuthError::InvalidCallback
            | AuthError::Expired
            | AuthError::VerificationFailed => 400,
            AuthError::SignInRequired => 401,
            AuthError::CrossSite | AuthError::NotAllowed(_) | AuthError::Suspended(_) => 403,
            AuthError::IdentityTaken(_) | AuthError::LastIdentity => 409,
            AuthError::RateLimited => 429,
            AuthError::ProviderUnavailable(_) | AuthError::ProviderRefused => 502,
            AuthError::Internal | AuthError::Transport(_) => 500,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AuthError;

    /// Every error the server can send reads back in the browser as itself.
    #[test]
    fn every_error_reads_back_from_its_json_form() {
        let errors = [
            AuthError::UnknownProvider,
            AuthError::ProviderUnavailable("Acme".into()),
            AuthError::AccessDenied,
            AuthError::ProviderRefused,
            AuthError::InvalidCallback,
            AuthError::Expired,
            AuthError::VerificationFailed,
            AuthError::BadRequest("the state is missing".into()),
            AuthError::CrossSite,
            AuthError::RateLimited,
            AuthError::SignInRequired,
            AuthError::IdentityTaken("Acme".into()),
            AuthError::LastIdentity,
            AuthError::NotAllowed("ada@example.com at Acme".into()),
            AuthError::Suspended("Acme".into()),
            AuthError::Internal,
        ];
        for error in errors {
            let (variant, text) = match serde_json::to_value(&error).unwrap() {
                serde_json::Value::String(variant) => (variant, None),
                serde_json::Value::Object(object) => {
                    let (variant, text) = object.into_iter().next().unwrap();
                    (variant, text.as_str().map(str::to_owned))
                }
                other => panic!("unexpected JSON form {other}"),
            };
            assert_eq!(AuthError::from_wire(&variant, text), error);
        }
        assert_eq!(AuthError::from_wire("NoSuchThing", None), AuthError::Internal);
    }
}
