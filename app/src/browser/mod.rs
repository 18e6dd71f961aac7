//! The few browser APIs the sign-in needs. Those that code rendered on the server also names
//! are a no-op or `None` there, where there is no browser.

#[cfg(feature = "hydrate")]
pub mod server_call;

#[cfg(feature = "hydrate")]
mod imp {
    use crate::pkce;

    /// sessionStorage key under which a sign-in's PKCE verifier waits for the callback.
    fn verifier_key(state: &str) -> String {
        format!("pkce-verifier:{state}")
    }

    fn window() -> Option<web_sys::Window> {
        web_sys::window()
    }

    pub fn new_pkce_verifier() -> Option<String> {
        let mut bytes = [0u8; pkce::VERIFIER_BYTES];
        window()?
            .crypto()
            .ok()?
            .get_random_values_with_u8_array(&mut bytes)
            .ok()?;
        Some(pkce::verifier_from_bytes(&bytes))
    }

    pub fn store_verifier(state: &str, verifier: &str) -> bool {
        window()
            .and_then(|w| w.session_storage().ok().flatten())
            .is_some_and(|s| s.set_item(&verifier_key(state), verifier).is_ok())
    }

    /// Reads and forgets the verifier: it is good for one attempt only.
    pub fn take_verifier(state: &str) -> Option<String> {
        let storage = window()?.session_storage().ok().flatten()?;
        let key = verifier_key(state);
        let verifier = storage.get_item(&key).ok().flatten();
        let _ = storage.remove_item(&key);
        verifier
    }

    /// The provider of the callback page the browser is on (`/auth/callback/{provider}`).
    pub fn callback_provider() -> Option<String> {
        let path = window()?.location().pathname().ok()?;
        path.strip_prefix("/auth/callback/").map(str::to_owned)
    }

    /// The current query string without its leading `?`.
    pub fn current_query() -> String {
        window()
            .and_then(|w| w.location().search().ok())
            .map(|search| search.trim_start_matches('?').to_owned())
            .unwrap_or_default()
    }

    /// Removes the query (code, state) from the address bar and from history.
    pub fn strip_query() {
        if let Some(window) = window()
            && let (Ok(path), Ok(history)) = (window.location().pathname(), window.history())
        {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
    }

    pub fn go_to(url: &str) {
        if let Some(window) = window() {
            let _ = window.location().assign(url);
        }
    }

    /// Replaces the current history entry, so Back never returns to a spent callback URL.
    pub fn replace_with(url: &str) {
        if let Some(window) = window() {
            let _ = window.location().replace(url);
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    pub fn take_verifier(_state: &str) -> Option<String> {
        None
    }
    pub fn current_query() -> String {
        String::new()
    }
    pub fn strip_query() {}
    pub fn replace_with(_url: &str) {}
}

pub use imp::*;

/// The value the PKCE verifier was filed under: the callback's `state`, or for OAuth 1.0a the
/// request token coming back as `oauth_token` (or as `denied` when the person refused).
/// `None` unless it is there exactly once.
pub fn state_of(query: &str) -> Option<String> {
    ["state", "oauth_token", "denied"]
        .into_iter()
        .find_map(|name| single_param(query, name))
}

fn single_param(query: &str, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    let mut values = query
        .split('&')
        .filter_map(|pair| pair.strip_prefix(prefix.as_str()));
    let value = values.next()?;
    if values.next().is_some() || value.is_empty() {
        return None;
    }
    // States and request tokens are URL-safe, so there is nothing to percent-decode.
    Some(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::state_of;

    #[test]
    fn state_is_found_once_or_not_at_all() {
        assert_eq!(state_of("code=x&state=abc&iss=y").as_deref(), Some("abc"));
        assert_eq!(state_of("state=abc&state=def"), None);
        assert_eq!(state_of("state="), None);
        assert_eq!(state_of("code=x"), None);
        assert_eq!(state_of("xstate=abc"), None);
        assert_eq!(state_of("oauth_token=rt&oauth_verifier=v").as_deref(), Some("rt"));
        assert_eq!(state_of("denied=rt").as_deref(), Some("rt"));
    }
}
