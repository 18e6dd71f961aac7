//! The cookies: the session, the short-lived binding of a sign-in to this browser, and the
//! `state` of a sign-out at the provider.
//! All `__Host-` prefixed (Secure, Path=/, no Domain), HttpOnly, SameSite=Lax: Strict would
//! drop the binding cookie on the top-level return from the provider. One exception, chosen
//! by the operator: with `COOKIE_DOMAIN` the session cookie is `__Secure-session` with that
//! Domain, so that the apps on its subdomains send it to the forward-auth check.

use http::HeaderMap;

use crate::{
    domain::{SessionId, TransactionId},
    store::{sessions, transactions},
};

const HOST_SESSION: &str = "__Host-session";
const DOMAIN_SESSION: &str = "__Secure-session";
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

/// The id of the sign-in transaction bound to this browser, if it has the shape of one.
pub fn transaction_id(headers: &HeaderMap) -> Option<TransactionId> {
    read(headers, SIGN_IN).and_then(|v| TransactionId::from_untrusted(&v))
}

/// `COOKIE_DOMAIN`: a registrable domain that `APP_URL`'s host is, or is under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieDomain(String);

impl CookieDomain {
    pub fn parse(value: &str, app_url: &url::Url) -> Result<Self, String> {
        let domain = value.trim().trim_start_matches('.').to_ascii_lowercase();
        let is_name = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !is_name {
            return Err(format!("{value:?} must be a domain name like example.com"));
        }
        if app_url.scheme() != "https" {
            return Err("a cookie shared with subdomains must be Secure: APP_URL must be https".into());
        }
        let host = app_url.host_str().unwrap_or_default();
        if host != domain && !host.ends_with(&format!(".{domain}")) {
            return Err(format!(
                "APP_URL's host {host} is not {domain} or under it, so browsers would refuse the cookie"
            ));
        }
        Ok(Self(domain))
    }
}

/// The session cookie, scoped as configured.
#[derive(Debug, Clone, Default)]
pub struct SessionCookie {
    domain: Option<CookieDomain>,
}

impl SessionCookie {
    pub fn new(domain: Option<CookieDomain>) -> Self {
        Self { domain }
    }

    fn name(&self) -> &'static str {
        if self.domain.is_some() {
            DOMAIN_SESSION
        } else {
            HOST_SESSION
        }
    }

    /// The session id the browser presents, if it has the shape of one.
    pub fn id(&self, headers: &HeaderMap) -> Option<SessionId> {
        read(headers, self.name()).and_then(|v| SessionId::from_untrusted(&v))
    }

    pub fn set(&self, value: &str) -> String {
        let max_age = sessions::ABSOLUTE_SECS;
        match &self.domain {
            Some(CookieDomain(domain)) => {
                format!("{DOMAIN_SESSION}={value}; Domain={domain}; {ATTRIBUTES}; Max-Age={max_age}")
            }
            None => format!("{HOST_SESSION}={value}; {ATTRIBUTES}; Max-Age={max_age}"),
        }
    }

    pub fn clear(&self) -> String {
        match &self.domain {
            Some(CookieDomain(domain)) => {
                format!("{DOMAIN_SESSION}=; Domain={domain}; {ATTRIBUTES}; Max-Age=0")
            }
            None => clear(HOST_SESSION),
        }
    }
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
        assert_eq!(read(&headers, HOST_SESSION).as_deref(), Some("abc"));
        assert_eq!(read(&headers, SIGN_IN), None);
    }

    #[test]
    fn cookies_carry_the_host_prefix_attributes() {
        let cookie = SessionCookie::default().set("abc");
        for attribute in ["__Host-", "Path=/", "Secure", "HttpOnly", "SameSite=Lax"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        assert!(!cookie.contains("Domain"));
        assert!(clear(SIGN_IN).ends_with("Max-Age=0"));
    }

    #[test]
    fn a_cookie_domain_shares_the_session_with_subdomains_only_when_asked() {
        let app = url::Url::parse("https://auth.example.com").unwrap();
        let scoped = SessionCookie::new(Some(CookieDomain::parse(".Example.com", &app).unwrap()));
        let cookie = scoped.set("abc");
        assert!(
            cookie.starts_with("__Secure-session=abc; Domain=example.com; "),
            "{cookie}"
        );
        for attribute in ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        assert!(scoped.clear().contains("Domain=example.com") && scoped.clear().ends_with("Max-Age=0"));
        let mut headers = HeaderMap::new();
        headers.insert(http::header::COOKIE, "__Host-session=x".parse().unwrap());
        assert!(
            scoped.id(&headers).is_none(),
            "the other cookie's name is not read"
        );
    }

    #[test]
    fn a_cookie_domain_must_cover_the_app_over_https() {
        let app = url::Url::parse("https://auth.example.com").unwrap();
        for bad in [
            "com",
            "other.com",
            "xample.com",
            "example.com/x",
            "",
            "exa mple.com",
        ] {
            assert!(CookieDomain::parse(bad, &app).is_err(), "{bad:?} accepted");
        }
        let plain = url::Url::parse("http://auth.example.com").unwrap();
        assert!(CookieDomain::parse("example.com", &plain).is_err());
        assert!(CookieDomain::parse("auth.example.com", &app).is_ok());
    }
}
