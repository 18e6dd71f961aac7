//! Starting a sign-in from the sign-in page: from the wasm (the browser keeps the PKCE
//! verifier) or from a plain form (the server keeps it and answers with a 303).

use app::{api::HttpExchange, error::AuthError, model::SignInStart};

use super::{Backend, cookies};
use crate::flow::{FlowError, Pkce, Purpose};

impl Backend {
    /// The wasm's way: the browser made the PKCE pair and sent its challenge.
    pub(super) async fn sign_in_from_browser(
        &self,
        http: &HttpExchange,
        provider: &str,
        challenge: &str,
        return_to: Option<&str>,
    ) -> Result<SignInStart, AuthError> {
        let pkce = Pkce::Browser { challenge };
        self.begin(http, provider, pkce, Purpose::SignIn { return_to })
            .await
    }

    /// Records the transaction and sets the cookie that binds it to this browser.
    pub(super) async fn begin(
        &self,
        http: &HttpExchange,
        provider: &str,
        pkce: Pkce<'_>,
        purpose: Purpose<'_>,
    ) -> Result<SignInStart, AuthError> {
        let (start, transaction) = self
            .flow
            .begin(provider, pkce, purpose)
            .await
            .map_err(|e| logged(provider, e))?;
        http.set_cookie(&cookies::sign_in(transaction.expose()));
        Ok(start)
    }

    /// A plain form's way to a provider: the server keeps the verifier, and the browser is
    /// sent on with a 303, to the provider or, when that fails, to the sign-in page that says why.
    pub(super) async fn start(&self, http: &HttpExchange, provider: &str, purpose: Purpose<'_>) {
        match self.begin(http, provider, Pkce::Server, purpose).await {
            Ok(start) => http.see_other(&start.authorization_url),
            Err(error) => http.see_other(&error_page(&error, provider)),
        }
    }
}

/// The sign-in page showing `error`, for a browser that came with a plain form.
pub(super) fn error_page(error: &AuthError, provider: &str) -> String {
    let mut url = url::Url::parse("http://app.invalid/").expect("constant URL parses");
    url.query_pairs_mut()
        .append_pair("sign_in_error", error.code())
        .append_pair("provider", provider);
    format!("/?{}", url.query().unwrap_or_default())
}

pub(super) fn logged(provider: &str, error: FlowError) -> AuthError {
    match &error {
        FlowError::Database(_) => tracing::error!(provider, %error, "sign-in failed"),
        _ => tracing::warn!(provider, %error, "sign-in refused"),
    }
    error.public()
}
