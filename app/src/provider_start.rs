//! Leaving for a provider: the PKCE pair is made in the browser, the server records the
//! transaction and answers with the provider's URL, and the verifier waits in sessionStorage
//! for the callback page. Signing in and connecting another provider differ only in the
//! server function that records the transaction.

use crate::{
    api::{begin_connect, begin_sign_in},
    browser,
    error::AuthError,
    pkce,
};

#[derive(Debug, Clone)]
pub enum Purpose {
    /// Sign in, then go to `return_to` (a same-origin path) or `/`.
    SignIn { return_to: Option<String> },
    /// Connect the provider to the signed-in account, then go back to the account page.
    Connect,
}

pub async fn go_to_provider(provider: String, purpose: Purpose) -> Result<(), AuthError> {
    let verifier = browser::new_pkce_verifier().ok_or(AuthError::BadRequest(
        "this browser cannot generate secure random numbers".into(),
    ))?;
    let challenge = pkce::challenge_s256(&verifier);
    let start = match purpose {
        Purpose::SignIn { return_to } => begin_sign_in(provider, challenge, return_to).await?,
        Purpose::Connect => begin_connect(provider, challenge).await?,
    };
    if !browser::store_verifier(&start.state, &verifier) {
        return Err(AuthError::BadRequest(
            "this browser does not allow session storage, which sign-in needs".into(),
        ));
    }
    browser::go_to(&start.authorization_url);
    Ok(())
}
