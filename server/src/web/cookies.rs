//! The cookies: the session, the short-lived binding of a sign-in to this browser, and the
//! `state` of a sign-out at the provider.
//! Both `__Host-` prefixed (Secure, Path=/, no Domain), HttpOnly, SameSite=Lax: Strict would
//! drop the binding cookie on the top-level return from the provider.

use http::HeaderMap;

use crate::{
    domain::{SessionId, TransactionId},
    store::{sessions, transactions},
};

pub const SESSION: &str = "__Host-session";
pub const SIGN_IN: &str = "__Host-sign-in";
/// While the browser signs out at the provider: which provider, and the `state` it must bring back.
pub const SIGN_OUT: &str = "__Host-sign-out";
/// Long enough to confirm a sign-out at the provider, which may ask before it lets go.
const SIGN_OUT_SECS: u32 = 600;

const ATTRIBUTES: &str = "Path=/; Secure; HttpOnly; SameSite=Lax";

/// The first value of cookie `name` in the request.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// The session id the browser presents, if it has the shape of one.
pub fn session_id(headers: &HeaderMap) -> Option<SessionId> {
    read(headers, SESSION).and_then(|v| SessionId::from_untrusted(&v))
}

/// The id of the sign-in transaction bound to this browser, if it has the shape of one.
pub fn transaction_id(headers: &HeaderMap) -> Option<TransactionId> {
    read(headers, SIGN_IN).and_then(|v| TransactionId::from_untrusted(&v))
}

pub fn session(value: &str) -> String {
    format!(
        "{SESSION}={value}; {ATTRIBUTES}; Max-Age={}",
        sessions::ABSOLUTE_SECS
    )
}

pub fn sign_in(value: &str) -> String {
    format!(
        "{SIGN_IN}={value}; {ATTRIBUTES}; Max-Age={}",
        transactions::LIFETIME_SECS
    )
}

pub fn sign_out(value: &str) -> String {
    format!("{SIGN_OUT}={value}; {ATTRIBUTES}; Max-Age={SIGN_OUT_SECS}")
}

pub fn clear(name: &str) -> String {
    format!("{name}=; {ATTRIBUTES}; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_cookie_only() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "a=1; __Host-session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(read(&headers, SESSION).as_deref(), Some("abc"));
        assert_eq!(read(&headers, SIGN_IN), None);
    }

    #[test]
    fn cookies_carry_the_host_prefix_attributes() {
        let cookie = session("abc");
        for attribute in ["__Host-", "Path=/", "Secure", "HttpOnly", "SameSite=Lax"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        assert!(!cookie.contains("Domain"));
        assert!(clear(SIGN_IN).ends_with("Max-Age=0"));
    }
}
