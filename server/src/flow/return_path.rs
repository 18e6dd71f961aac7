//! Where a browser may be sent after signing in or out: a same-origin path, or an absolute URL
//! on a host the operator named in `ALLOWED_REDIRECT_HOSTS` (the apps this service protects).
//! Anything else becomes `/`. Never an open redirect.

const MAX_PATH_LEN: usize = 512;
const MAX_URL_LEN: usize = 2048;

/// The hosts of `ALLOWED_REDIRECT_HOSTS`: exact names, and `*.example.com` for any subdomain
/// of `example.com` (never `example.com` itself, nor `evilexample.com`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedRedirectHosts {
    exact: Vec<String>,
    /// Each with its leading dot: `.example.com`.
    parent_domains: Vec<String>,
}

impl AllowedRedirectHosts {
    /// Reads a list separated by commas or white space.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut hosts = Self::default();
        for entry in list.split([',', ' ', '\t', '\n']).filter(|e| !e.is_empty()) {
            let entry = entry.to_ascii_lowercase();
            // An IPv6 address, written as in a URL: `[::1]`.
            if let Some(address) = entry.strip_prefix('[').and_then(|e| e.strip_suffix(']')) {
                let address: std::net::Ipv6Addr = address
                    .parse()
                    .map_err(|_| format!("{entry:?} is not an IPv6 address"))?;
                hosts.exact.push(format!("[{address}]"));
                continue;
            }
            let (name, wildcard) = match entry.strip_prefix("*.") {
                Some(parent) => (parent.to_owned(), true),
                None => (entry.clone(), false),
            };
            if !is_host_name(&name) {
                return Err(format!(
                    "{entry:?} is not a host name (write app.example.com or *.example.com, without scheme, port or path)"
                ));
            }
            if wildcard {
                hosts.parent_domains.push(format!(".{name}"));
            } else {
                hosts.exact.push(name);
            }
        }
        Ok(hosts)
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.parent_domains.is_empty()
    }

    fn allows(&self, host: &str) -> bool {
        self.exact.iter().any(|name| name == host)
            || self
                .parent_domains
                .iter()
                .any(|parent| host.len() > parent.len() && host.ends_with(parent.as_str()))
    }
}

/// Letters, digits, hyphens and dots, in labels that are neither empty nor start or end with
/// a hyphen.
fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Where to send the browser: `requested` when it is a safe same-origin path or an allowed
/// absolute URL (as the URL parser writes it, so the browser goes exactly where was checked),
/// else `/`.
pub fn sanitize(requested: Option<&str>, allowed: &AllowedRedirectHosts) -> String {
    let Some(requested) = requested else {
        return "/".to_owned();
    };
    if is_safe_path(requested) {
        return requested.to_owned();
    }
    allowed_url(requested, allowed).unwrap_or_else(|| "/".to_owned())
}

/// `rd` from a raw query string. Proxies write it unencoded (nginx: `rd=$scheme://$http_host
/// $request_uri`), so an `rd` that begins as a URL or a path is everything after `rd=`, with
/// its own `&` and `%` escapes, exactly as the protected app's URL was; an encoded one is
/// decoded. Either way it still goes through [`sanitize`].
pub fn rd_from_query(query: &str) -> Option<String> {
    let value = query
        .strip_prefix("rd=")
        .or_else(|| query.split_once("&rd=").map(|(_, value)| value))?;
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || value.starts_with('/') {
        return Some(value.to_owned());
    }
    let encoded = value.split('&').next().unwrap_or_default();
    url::form_urlencoded::parse(format!("rd={encoded}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
}

fn is_safe_path(path: &str) -> bool {
    if path.len() > MAX_PATH_LEN || !path.starts_with('/') || has_browser_tricks(path) {
        return false;
    }
    // Encoded slashes in the path could turn into `//` on the way; a value in the query
    // (`?next=%2Ffoo`) is only ever a value.
    let lower = path.to_ascii_lowercase();
    let lower_path = lower.split(['?', '#']).next().unwrap_or_default();
    if lower_path.contains("%2f") || lower_path.contains("%5c") || path.starts_with("//") {
        return false;
    }
    // Belt and braces: resolving it against a stand-in origin must stay on that origin.
    let base = url::Url::parse("http://app.invalid/").expect("constant URL parses");
    base.join(path)
        .is_ok_and(|url| url.origin() == base.origin() && url.path().starts_with('/'))
}

/// Browsers treat `\` as `/` and drop tabs and newlines, so `/\evil` and `/\t/evil` are
/// `//evil`: refuse them, every control character and space, and encoded controls.
fn has_browser_tricks(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    text.chars()
        .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
        || lower.contains("%0")
        || lower.contains("%09")
}

fn allowed_url(requested: &str, allowed: &AllowedRedirectHosts) -> Option<String> {
    if requested.len() > MAX_URL_LEN || has_browser_tricks(requested) || allowed.is_empty() {
        return None;
    }
    let url = url::Url::parse(requested).ok()?;
    let url::Host::Domain(host) = url.host()? else {
        // Literal addresses: only the loopback ones, over http or https, when listed.
        let loopback = match url.host()? {
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
            url::Host::Domain(_) => false,
        };
        let listed = url.host_str().is_some_and(|h| allowed.allows(h));
        return (loopback && listed && plain_parts(&url)).then(|| url.to_string());
    };
    let scheme_ok = match url.scheme() {
        "https" => true,
        "http" => host == "localhost",
        _ => false,
    };
    (scheme_ok && allowed.allows(host) && plain_parts(&url)).then(|| url.to_string())
}

/// No user name or password in the URL: `https://app.example.com@evil.test/` names evil.test.
fn plain_parts(url: &url::Url) -> bool {
    url.username().is_empty() && url.password().is_none()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn hosts(list: &str) -> AllowedRedirectHosts {
        AllowedRedirectHosts::parse(list).unwrap()
    }

    #[test]
    fn paths_that_could_leave_the_site_fall_back_to_root() {
        let none = AllowedRedirectHosts::default();
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/%2F%2Fevil.example",
            "/%2f%2fevil.example",
            "/%5C%5Cevil.example?x=1",
            "https://evil.example",
            "javascript:alert(1)",
            "/\r\nLocation: https://evil.example",
            "/%0d%0aSet-Cookie:x=y",
            "",
            "account",
            "/ /evil.example",
        ] {
            assert_eq!(sanitize(Some(bad), &none), "/", "{bad:?} was kept");
        }
    }

    #[test]
    fn same_origin_paths_are_kept() {
        let none = AllowedRedirectHosts::default();
        assert_eq!(sanitize(Some("/account"), &none), "/account");
        assert_eq!(
            sanitize(Some("/account?tab=security#top"), &none),
            "/account?tab=security#top"
        );
        assert_eq!(
            sanitize(Some("/dashboard?next=%2Ffoo"), &none),
            "/dashboard?next=%2Ffoo"
        );
        assert_eq!(sanitize(None, &none), "/");
        assert_eq!(sanitize(Some(&format!("/{}", "a".repeat(600))), &none), "/");
    }

    #[test]
    fn allowed_hosts_are_exact_names_or_subdomains() {
        let allowed = hosts("app.example.test, *.corp.example");
        for good in [
            "https://app.example.test/private/page?x=1",
            "https://app.example.test:8443/",
            "https://wiki.corp.example/a",
            "https://a.b.corp.example/",
        ] {
            assert_eq!(sanitize(Some(good), &allowed), good, "{good} was refused");
        }
        for bad in [
            "https://corp.example/",
            "https://evilcorp.example/",
            "https://app.example.test.evil.test/",
            "https://evil.test/",
            "http://app.example.test/",
            "https://app.example.test@evil.test/",
            "https://evil.test@app.example.test/",
            "https://user:pass@app.example.test/",
            "https://app.example.test\\@evil.test/",
            "https:\\\\app.example.test/",
            "https://app.example.test%2F@evil.test/",
            "https://app.example.test%2eevil.test/",
            "ftp://app.example.test/",
            "javascript://app.example.test/%0aalert(1)",
            "https://app.example.test/\n",
            " https://app.example.test/",
        ] {
            assert_eq!(sanitize(Some(bad), &allowed), "/", "{bad:?} was kept");
        }
    }

    #[test]
    fn plain_http_only_for_listed_loopback_hosts() {
        let allowed = hosts("localhost 127.0.0.1 [::1]");
        assert_eq!(
            sanitize(Some("http://[::1]:8080/x"), &allowed),
            "http://[::1]:8080/x"
        );
        assert_eq!(
            sanitize(Some("http://[0:0:0:0:0:0:0:1]/x"), &allowed),
            "http://[::1]/x"
        );
        assert!(AllowedRedirectHosts::parse("[::g]").is_err());
        assert_eq!(
            sanitize(Some("http://localhost:8080/x"), &allowed),
            "http://localhost:8080/x"
        );
        assert_eq!(
            sanitize(Some("http://127.0.0.1:8080/x"), &allowed),
            "http://127.0.0.1:8080/x"
        );
        assert_eq!(sanitize(Some("http://127.0.0.2/"), &allowed), "/");
        assert_eq!(sanitize(Some("http://10.0.0.1/"), &hosts("10.0.0.1")), "/");
    }

    #[test]
    fn rd_is_read_as_the_proxy_wrote_it() {
        let raw = "rd=https://app.example.test/a%20b?x=1&y=2+3";
        assert_eq!(
            rd_from_query(raw).as_deref(),
            Some("https://app.example.test/a%20b?x=1&y=2+3")
        );
        assert_eq!(
            rd_from_query("rd=https%3A%2F%2Fapp.example.test%2Fp%3Fx%3D1&z=2").as_deref(),
            Some("https://app.example.test/p?x=1")
        );
        assert_eq!(
            rd_from_query("a=1&rd=/account?q=1").as_deref(),
            Some("/account?q=1")
        );
        assert_eq!(rd_from_query("rd=%2Faccount").as_deref(), Some("/account"));
        assert_eq!(rd_from_query("x=1"), None);
        assert_eq!(rd_from_query("ard=/x"), None);
    }

    #[test]
    fn the_list_names_hosts_only() {
        for bad in [
            "https://app.example",
            "app.example:443",
            "*.",
            "*",
            "app..example",
            "app/x",
            "-a.example",
        ] {
            let error = AllowedRedirectHosts::parse(bad).err();
            assert!(error.is_some(), "{bad:?} accepted");
        }
        assert!(AllowedRedirectHosts::parse("").unwrap().is_empty());
    }

    proptest! {
        /// Whatever comes in, what goes out is `/`, a same-origin path, or a URL on an allowed
        /// host.
        #[test]
        fn only_allowed_hosts_ever_come_out(
            scheme in prop::sample::select(vec!["https", "http", "HTTPS", "javascript", "ftp", "//", ""]),
            separator in prop::sample::select(vec!["://", ":/", ":\\\\", "//", ":", "/\\", "%2F%2F"]),
            userinfo in prop::sample::select(vec!["", "user@", "app.example.test@", "a:b@", "evil.test%40"]),
            host in prop::sample::select(vec![
                "app.example.test", "evil.test", "corp.example", "x.corp.example", "evilcorp.example",
                "app.example.test.evil.test", "APP.Example.Test", "127.0.0.1", "[::1]", "localhost", "",
            ]),
            port in prop::sample::select(vec!["", ":443", ":8443", ":0"]),
            tail in "[/?#a-z0-9%@\\\\.:\t]{0,24}",
        ) {
            let allowed = hosts("app.example.test *.corp.example localhost");
            let requested = format!("{scheme}{separator}{userinfo}{host}{port}{tail}");
            let out = sanitize(Some(&requested), &allowed);
            if out.starts_with('/') {
                prop_assert!(!out.starts_with("//") && !out.contains('\\'), "{} -> {}", requested, out);
            } else {
                let url = url::Url::parse(&out).unwrap();
                let host = url.host_str().unwrap();
                prop_assert!(
                    host == "app.example.test" || host.ends_with(".corp.example") || host == "localhost",
                    "{} -> {}", requested, out
                );
                prop_assert!(url.username().is_empty() && url.password().is_none());
                prop_assert!(url.scheme() == "https" || host == "localhost", "{} -> {}", requested, out);
            }
        }
    }
}
