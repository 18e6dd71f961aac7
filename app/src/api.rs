//! The server functions the browser calls. Their bodies only hand over to the
//! [`AuthBackend`] the server provides as context, so that all server-side logic lives in the
//! `server` crate and nothing of it reaches the wasm bundle.

use leptos::prelude::*;

use crate::{
    error::AuthError,
    model::{Account, Dashboard, HomeState, ProviderLive, SignInStart, SignedIn},
};

#[cfg(feature = "ssr")]
pub use backend::{AuthBackend, HttpExchange};

#[cfg(feature = "ssr")]
mod backend {
    use std::sync::Arc;

    use http::{HeaderMap, HeaderValue, StatusCode, header::SET_COOKIE};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    use crate::{
        error::AuthError,
        model::{Account, Dashboard, HomeState, ProviderLive, SignInStart, SignedIn},
    };

    /// The request headers a call came with, and a way to set cookies on its response.
    pub struct HttpExchange {
        pub headers: HeaderMap,
        /// What the server's middleware learned of this request before the page rendered.
        pub extensions: http::Extensions,
        response: ResponseOptions,
    }

    impl HttpExchange {
        pub fn from_context() -> Result<Self, AuthError> {
            let parts = use_context::<http::request::Parts>().ok_or(AuthError::Internal)?;
            let response = use_context::<ResponseOptions>().ok_or(AuthError::Internal)?;
            Ok(Self {
                headers: parts.headers,
                extensions: parts.extensions,
                response,
            })
        }

        /// A call the server's middleware makes before the page renders, with what it learned
        /// of the request so far. Whatever the call would set on its response is dropped: it
        /// is for reads, which set nothing.
        pub fn outside_render(headers: HeaderMap, extensions: http::Extensions) -> Self {
            Self {
                headers,
                extensions,
                response: ResponseOptions::default(),
            }
        }

        pub fn set_cookie(&self, cookie: &str) {
            if let Ok(value) = HeaderValue::from_str(cookie) {
                self.response.append_header(SET_COOKIE, value);
            }
        }

        /// Responses that describe a person must never be stored by a cache.
        pub fn forbid_caching(&self) {
            self.response
                .insert_header(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }

        /// Answers with a 303 to `location`.
        pub fn see_other(&self, location: &str) {
            if let Ok(location) = HeaderValue::from_str(location) {
                self.response.insert_header(http::header::LOCATION, location);
                self.response.set_status(StatusCode::SEE_OTHER);
            }
        }

        /// Whether the request is a plain HTML form post (no wasm yet, or JavaScript off),
        /// whose answer the browser shows as a page.
        pub fn is_form_post(&self) -> bool {
            self.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
        }

        /// A plain form post is answered with a 303 to `path`, where the browser sees the
        /// outcome; the wasm path gets the value instead.
        pub fn see_other_for_form_posts(&self, path: &str) {
            if self.is_form_post() {
                self.see_other(path);
            }
        }

        fn set_error_status(&self, error: &AuthError) {
            let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            self.response.set_status(status);
        }
    }

    /// What the server does for each server function.
    #[async_trait::async_trait]
    pub trait AuthBackend: Send + Sync + 'static {
        async fn home_state(&self, http: &HttpExchange) -> Result<HomeState, AuthError>;
        async fn begin_sign_in(
            &self,
            http: &HttpExchange,
            provider: String,
            code_challenge: String,
            return_to: Option<String>,
        ) -> Result<SignInStart, AuthError>;
        async fn complete_sign_in(
            &self,
            http: &HttpExchange,
            provider: String,
            callback_query: String,
            code_verifier: Option<String>,
        ) -> Result<SignedIn, AuthError>;
        async fn sign_out(&self, http: &HttpExchange) -> Result<(), AuthError>;
        /// The plain form's sign-in: always answers with a 303.
        async fn start_sign_in(&self, http: &HttpExchange, provider: String, return_to: Option<String>);
        /// The plain form's connect: always answers with a 303.
        async fn start_connect(&self, http: &HttpExchange, provider: String);
        /// On the callback page: completes a sign-in whose verifier the server keeps, and
        /// answers with a 303 to its return path; `None` when the browser keeps the verifier.
        async fn finish_held_sign_in(
            &self,
            http: &HttpExchange,
            provider: String,
            callback_query: String,
        ) -> Result<Option<String>, AuthError>;
        async fn account(&self, http: &HttpExchange) -> Result<Account, AuthError>;
        async fn dashboard(&self, http: &HttpExchange) -> Result<Dashboard, AuthError>;
        async fn begin_connect(
            &self,
            http: &HttpExchange,
            provider: String,
            code_challenge: String,
        ) -> Result<SignInStart, AuthError>;
        async fn disconnect(&self, http: &HttpExchange, identity: i64) -> Result<(), AuthError>;
        async fn sign_out_elsewhere(&self, http: &HttpExchange) -> Result<(), AuthError>;
        /// Deletes the account and everything kept about its person; `confirm` must be
        /// [`crate::api::DELETE_CONFIRMATION`].
        async fn delete_account(&self, http: &HttpExchange, confirm: String) -> Result<(), AuthError>;
        /// Ends the session, then sends the browser to sign out at the provider it signed in
        /// with, when that provider offers it; the answer is where the browser goes.
        async fn sign_out_at_provider(&self, http: &HttpExchange) -> Result<String, AuthError>;
        /// The name of the provider the browser just came back from signing out of, when it
        /// brought back the `state` it was sent with.
        async fn confirm_provider_sign_out(
            &self,
            http: &HttpExchange,
            state: String,
        ) -> Result<Option<String>, AuthError>;
        /// What each connected provider says now, asked with the kept grants.
        async fn provider_live(&self, http: &HttpExchange) -> Result<Vec<ProviderLive>, AuthError>;
    }

    /// The backend and the current request, for one server-function call.
    pub(crate) fn context() -> Result<(Arc<dyn AuthBackend>, HttpExchange), AuthError> {
        let backend = use_context::<Arc<dyn AuthBackend>>().ok_or(AuthError::Internal)?;
        let http = HttpExchange::from_context()?;
        http.forbid_caching();
        Ok((backend, http))
    }

    /// Gives an error its HTTP status before it goes back to the browser.
    pub(crate) fn finish<T>(http: &HttpExchange, result: Result<T, AuthError>) -> Result<T, AuthError> {
        if let Err(error) = &result {
            http.set_error_status(error);
        }
        result
    }
}

/// Who is signed in, and the providers to offer.
#[server(endpoint = "load_home")]
pub async fn load_home() -> Result<HomeState, AuthError> {
    let (backend, http) = backend::context()?;
    backend::finish(&http, backend.home_state(&http).await)
}

/// Starts a sign-in: the server records the transaction and answers with the provider's URL.
#[server(endpoint = "begin_sign_in")]
pub async fn begin_sign_in(
    provider: String,
    code_challenge: String,
    return_to: Option<String>,
) -> Result<SignInStart, AuthError> {
    let (backend, http) = backend::context()?;
    let result = backend
        .begin_sign_in(&http, provider, code_challenge, return_to)
        .await;
    backend::finish(&http, result)
}

/// Finishes a sign-in from the provider's callback query and the browser's PKCE verifier.
#[server(endpoint = "complete_sign_in")]
pub async fn complete_sign_in(
    provider: String,
    callback_query: String,
    code_verifier: Option<String>,
) -> Result<SignedIn, AuthError> {
    let (backend, http) = backend::context()?;
    let result = backend
        .complete_sign_in(&http, provider, callback_query, code_verifier)
        .await;
    backend::finish(&http, result)
}

/// "Sign in with …" as a plain form, before the wasm has loaded or without JavaScript: the
/// server makes the PKCE pair, keeps the verifier, and answers with a 303 to the provider.
#[server(endpoint = "start_sign_in")]
pub async fn start_sign_in(provider: String, return_to: Option<String>) -> Result<(), AuthError> {
    let (backend, http) = backend::context()?;
    backend.start_sign_in(&http, provider, return_to).await;
    Ok(())
}

/// "Connect …" as a plain form, the same way.
#[server(endpoint = "start_connect")]
pub async fn start_connect(provider: String) -> Result<(), AuthError> {
    let (backend, http) = backend::context()?;
    backend.start_connect(&http, provider).await;
    Ok(())
}

/// Run by the callback page as the server renders it: a sign-in begun by a plain form is
/// completed here. `None` leaves it to the browser, which holds the verifier.
#[server(endpoint = "finish_held_sign_in")]
pub async fn finish_held_sign_in(
    provider: String,
    callback_query: String,
) -> Result<Option<String>, AuthError> {
    let (backend, http) = backend::context()?;
    let result = backend.finish_held_sign_in(&http, provider, callback_query).await;
    backend::finish(&http, result)
}

/// "Sign out of {provider} too": ends the session here, then at the provider.
#[server(endpoint = "sign_out_at_provider")]
pub async fn sign_out_at_provider() -> Result<String, AuthError> {
    let (backend, http) = backend::context()?;
    backend::finish(&http, backend.sign_out_at_provider(&http).await)
}

/// Run by the sign-in page when a provider sends the browser back after signing out there.
#[server(endpoint = "confirm_provider_sign_out")]
pub async fn confirm_provider_sign_out(state: String) -> Result<Option<String>, AuthError> {
    let (backend, http) = backend::context()?;
    backend::finish(&http, backend.confirm_provider_sign_out(&http, state).await)
}

/// Ends the session on the server and clears the cookie.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AuthError> {
    let (backend, http) = backend::context()?;
    backend::finish(&http, backend.sign_out(&http).await)
}

/// The signed-in person's account: connected providers and live sessions.
#[server(endpoint = "load_account")]
pub async fn load_account() -> Result<Account, AuthError> {
    let (backend, http) = backend::context()?;
    backend::finish(&http, backend.account(&http).await)
}

/// What the dashboard shows of the signed-in person's account.
#[server(endpoint = "load_dashboard")]
pub async fn load_dashboard() -> Result<Dashboard, AuthError> {
    let (backend, http) = backend::context()?;
    backend::finish(&http, backend.dashboard(&http).await)
}

/// Starts a sign-in at another provider whose result is attached to this account.
#[server(endpoint = "begin_connect")]
pub async fn begin_connect(provider: String, code_challenge: String) -> Result<SignInStart, AuthError> {
    let (backend, http) = backend::context()?;
    let result = backend.begin_connect(&http, provider, code_challenge).await;
    backend::finish(&http, result)
}

/// What the account page's deletion form sends, so that no other request deletes by mistake.
pub const DELETE_CONFIRMATION: &str = "delete my account";

/// Deletes the signed-in person's account, its identities, sessions and sign-in history, and
/// gives every kept grant back to its provider. A plain form gets a 303 to the start page.
#[server(endpoint = "delete_account")]
pub async fn delete_account(confirm: String) -> Result<(), AuthError> {
    let (backend, http) = backend::context()?;
    backend::finish(&http, backend.delete_account(&http, confirm).await)
}

/// Removes a connected provider from this account, unless it is the last.
#[server(endpoint = "disconnect")]
pub async fn disconnect(identity: i64) -> Result<(), AuthError> {
    let (backend, http) = backend::context()?;
    backend::finish(&http, backend.disconnect(&http, identity).await)
}

/// What each connected provider says now about the signed-in person, asked on the server with
/// the grants kept from sign-in.
#[server(endpoint = "load_provider_live")]
pub async fn load_provider_live() -> Result<Vec<ProviderLive>, AuthError> {
    let (backend, http) = backend::context()?;
    backend::finish(&http, backend.provider_live(&http).await)
}

/// Ends every session of this account but the current one.
#[server(endpoint = "sign_out_elsewhere")]
pub async fn sign_out_elsewhere() -> Result<(), AuthError> {
    let (backend, http) = backend::context()?;
    backend::finish(&http, backend.sign_out_elsewhere(&http).await)
}
