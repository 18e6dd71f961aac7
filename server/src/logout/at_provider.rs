//! RP-Initiated Logout 1.0: "Sign out of {provider} too", for OpenID providers whose discovery
//! advertises an `end_session_endpoint`. The browser is sent there with the sign-in's ID token
//! as a hint, `post_logout_redirect_uri` = `APP_URL`, and a `state` that this browser keeps in
//! a cookie; the sign-in page checks it when the provider sends the browser back.

use url::Url;

use crate::{
    domain::{State, equal_in_constant_time},
    provider_http::ProviderHttp,
    providers::Protocol,
    registry::LiveProvider,
};

/// The provider's end-session endpoint, when it advertises one.
pub async fn endpoint(provider: &LiveProvider, http: &ProviderHttp) -> Option<Url> {
    if !matches!(provider.config.protocol, Protocol::Oidc(_)) {
        return None;
    }
    let discovered = provider.discovered(http).await.ok()?;
    discovered
        .metadata
        .additional_metadata()
        .end_session_endpoint
        .clone()
}

/// Where to send the browser to sign out of `provider`; `id_token` is the hint.
pub fn request_url(
    endpoint: &Url,
    provider: &LiveProvider,
    app_url: &Url,
    id_token: Option<&str>,
    state: &State,
) -> Url {
    let mut url = endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        if let Some(hint) = id_token {
            query.append_pair("id_token_hint", hint);
        }
        query
            .append_pair("client_id", provider.config.client_id.as_str())
            .append_pair("post_logout_redirect_uri", app_url.as_str())
            .append_pair("state", state.expose());
    }
    url
}

/// What the browser keeps while it is at the provider: which provider, and the state.
pub fn remembered(provider_id: &str, state: &State) -> String {
    format!("{provider_id}.{}", state.expose())
}

/// The provider the browser came back from, when `state` is the one it kept.
pub fn returned_from<'a>(remembered: &'a str, state: &str) -> Option<&'a str> {
    let (provider_id, expected) = remembered.rsplit_once('.')?;
    equal_in_constant_time(expected, state).then_some(provider_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_kept_state_confirms_the_return() {
        let state = State::generate();
        let kept = remembered("demo", &state);
        assert_eq!(returned_from(&kept, state.expose()), Some("demo"));
        assert_eq!(returned_from(&kept, "forged"), None);
        assert_eq!(returned_from(&kept, ""), None);
        assert_eq!(returned_from("no-separator", state.expose()), None);
    }
}
