//! Settings from the environment (names fixed by DESIGN.md), checked at start.

use std::{path::PathBuf, sync::Arc, time::Duration};

use leptos::config::LeptosOptions;

use crate::{
    flow::return_path::AllowedRedirectHosts,
    tokens::TokenKeys,
    web::{
        client_address::{ForwardedHeader, TrustedProxies},
        cookies::CookieDomain,
    },
};

pub struct Settings {
    /// The public base URL; redirect URIs are built from it, never from a request.
    pub app_url: url::Url,
    pub database_url: String,
    pub auth_config: PathBuf,
    /// How often expired sign-in transactions and sessions are deleted.
    pub cleanup_interval: Duration,
    /// `AUDIT_RETENTION_DAYS`: how long audit events (each account's sign-in history) are kept.
    pub audit_retention: Duration,
    /// Per client address: this many sign-in calls at once...
    pub sign_in_burst: u32,
    /// ...then one more every this often.
    pub sign_in_refill: Duration,
    /// Reverse proxies whose forwarded client address is believed.
    pub trusted_proxies: TrustedProxies,
    pub log_format: LogFormat,
    /// After SIGTERM, requests in flight get this long to finish.
    pub shutdown_grace: Duration,
    /// A client must send a request's head within this long, or its connection is closed.
    pub header_read_timeout: Duration,
    /// Where Prometheus metrics are served; none by default.
    pub metrics_address: Option<std::net::SocketAddr>,
    /// How often the active-session gauge is recounted.
    pub metrics_refresh: Duration,
    /// Seal the tokens providers grant (`TOKEN_KEYS`); without them no token is kept.
    pub token_keys: Option<Arc<TokenKeys>>,
    /// Other apps' hosts that `rd` and return paths may send the browser to.
    pub redirect_hosts: AllowedRedirectHosts,
    /// `COOKIE_DOMAIN`: the session cookie is shared with this domain's subdomains.
    pub cookie_domain: Option<CookieDomain>,
    /// How long an answer about a person's GitHub organizations is believed.
    pub access_recheck: Duration,
    /// `PASS_ACCESS_TOKEN`: the check hands the provider's access token to the protected app.
    pub pass_access_token: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    /// One JSON object per line, with the request's id and client in its span.
    Json,
}

const DEFAULT_APP_URL: &str = "http://localhost:3000";
const DEFAULT_DATABASE_URL: &str = "sqlite://data/app.db";
const DEFAULT_AUTH_CONFIG: &str = "auth.toml";
const DEFAULT_CLEANUP_INTERVAL_SECS: u64 = 300;
const DEFAULT_AUDIT_RETENTION_DAYS: u64 = 90;
const DEFAULT_SIGN_IN_BURST: u64 = 30;
const DEFAULT_SIGN_IN_REFILL_SECS: u64 = 1;
const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 30;
const DEFAULT_METRICS_REFRESH_SECS: u64 = 15;
const DEFAULT_HEADER_READ_TIMEOUT_SECS: u64 = 10;
const DEFAULT_ACCESS_RECHECK_SECS: u64 = 300;

impl Settings {
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let app_url = parse_app_url(&env("APP_URL").unwrap_or_else(|| DEFAULT_APP_URL.to_owned()))?;
        let cookie_domain = env("COOKIE_DOMAIN")
            .filter(|value| !value.trim().is_empty())
            .map(|value| CookieDomain::parse(&value, &app_url).map_err(|e| format!("COOKIE_DOMAIN: {e}")))
            .transpose()?;
        Ok(Self {
            app_url,
            cookie_domain,
            database_url: env("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            auth_config: env("AUTH_CONFIG")
                .unwrap_or_else(|| DEFAULT_AUTH_CONFIG.to_owned())
                .into(),
            cleanup_interval: Duration::from_secs(positive(
                "CLEANUP_INTERVAL_SECS",
                env("CLEANUP_INTERVAL_SECS"),
                DEFAULT_CLEANUP_INTERVAL_SECS,
            )?),
            audit_retention: Duration::from_secs(
                positive(
                    "AUDIT_RETENTION_DAYS",
                    env("AUDIT_RETENTION_DAYS"),
                    DEFAULT_AUDIT_RETENTION_DAYS,
                )?
                .checked_mul(24 * 60 * 60)
                .ok_or("AUDIT_RETENTION_DAYS is too large")?,
            ),
            sign_in_burst: positive(
                "SIGN_IN_RATE_BURST",
                env("SIGN_IN_RATE_BURST"),
                DEFAULT_SIGN_IN_BURST,
            )?
            .try_into()
            .map_err(|_| "SIGN_IN_RATE_BURST is too large".to_owned())?,
            sign_in_refill: Duration::from_secs(positive(
                "SIGN_IN_RATE_REFILL_SECS",
                env("SIGN_IN_RATE_REFILL_SECS"),
                DEFAULT_SIGN_IN_REFILL_SECS,
            )?),
            trusted_proxies: trusted_proxies(env("TRUSTED_PROXIES"), env("TRUSTED_PROXY_HEADER"))?,
            log_format: match env("LOG_FORMAT").as_deref().map(str::trim) {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => return Err(format!("LOG_FORMAT {other:?} must be text or json")),
            },
            shutdown_grace: Duration::from_secs(positive(
                "SHUTDOWN_GRACE_SECS",
                env("SHUTDOWN_GRACE_SECS"),
                DEFAULT_SHUTDOWN_GRACE_SECS,
            )?),
            header_read_timeout: Duration::from_secs(positive(
                "HEADER_READ_TIMEOUT_SECS",
                env("HEADER_READ_TIMEOUT_SECS"),
                DEFAULT_HEADER_READ_TIMEOUT_SECS,
            )?),
            metrics_address: env("METRICS_ADDR")
                .map(|value| {
                    value.trim().parse().map_err(|_| {
                        format!("METRICS_ADDR {value:?} must be an address and port, like 127.0.0.1:9100")
                    })
                })
                .transpose()?,
            metrics_refresh: Duration::from_secs(positive(
                "METRICS_REFRESH_SECS",
                env("METRICS_REFRESH_SECS"),
                DEFAULT_METRICS_REFRESH_SECS,
            )?),
            token_keys: env("TOKEN_KEYS")
                .map(|list| {
                    TokenKeys::parse(&list)
                        .map(Arc::new)
                        .map_err(|e| format!("TOKEN_KEYS: {e}"))
                })
                .transpose()?,
            redirect_hosts: AllowedRedirectHosts::parse(&env("ALLOWED_REDIRECT_HOSTS").unwrap_or_default())
                .map_err(|e| format!("ALLOWED_REDIRECT_HOSTS: {e}"))?,
            access_recheck: Duration::from_secs(positive(
                "ACCESS_RECHECK_SECS",
                env("ACCESS_RECHECK_SECS"),
                DEFAULT_ACCESS_RECHECK_SECS,
            )?),
            pass_access_token: match env("PASS_ACCESS_TOKEN").as_deref().map(str::trim) {
                None | Some("" | "false") => false,
                Some("true") => true,
                Some(other) => return Err(format!("PASS_ACCESS_TOKEN {other:?} must be true or false")),
            },
        })
    }

    /// `APP_URL`'s origin, the only one allowed to call server functions.
    pub fn app_origin(&self) -> String {
        self.app_url.origin().ascii_serialization()
    }
}

fn parse_app_url(value: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(value).map_err(|e| format!("APP_URL {value:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("APP_URL {value:?} must be an http(s) URL with a host"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "APP_URL {value:?} must be an origin only, like https://app.example"
        ));
    }
    Ok(url)
}

fn trusted_proxies(list: Option<String>, header: Option<String>) -> Result<TrustedProxies, String> {
    let header = match header {
        None => ForwardedHeader::XForwardedFor,
        Some(name) => ForwardedHeader::parse(&name)
            .ok_or_else(|| format!("TRUSTED_PROXY_HEADER {name:?} must be X-Forwarded-For or Forwarded"))?,
    };
    match list {
        None => Ok(TrustedProxies::none()),
        Some(list) => TrustedProxies::parse(&list, header).map_err(|e| format!("TRUSTED_PROXIES: {e}")),
    }
}

/// A whole number of at least 1 from setting `name`, or `default` when it is not set.
fn positive(name: &str, value: Option<String>, default: u64) -> Result<u64, String> {
    let Some(value) = value else { return Ok(default) };
    match value.trim().parse::<u64>() {
        Ok(number) if number > 0 => Ok(number),
        _ => Err(format!("{name} {value:?} must be a whole number, at least 1")),
    }
}

/// Leptos options as cargo-leptos passes them (`LEPTOS_*` variables), with its defaults.
pub fn leptos_options() -> Result<LeptosOptions, String> {
    leptos::config::get_configuration(None)
        .map(|conf| conf.leptos_options)
        .map_err(|e| format!("Leptos configuration: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_design() {
        let settings = Settings::from_env(|_| None).unwrap();
        assert_eq!(settings.app_url.as_str(), "http://localhost:3000/");
        assert_eq!(settings.app_origin(), "http://localhost:3000");
        assert_eq!(settings.database_url, "sqlite://data/app.db");
        assert_eq!(settings.auth_config, PathBuf::from("auth.toml"));
        assert_eq!(settings.cleanup_interval, Duration::from_secs(300));
        assert_eq!(settings.audit_retention, Duration::from_secs(90 * 24 * 60 * 60));
        assert_eq!(settings.sign_in_burst, 30);
        assert_eq!(settings.sign_in_refill, Duration::from_secs(1));
        assert!(settings.trusted_proxies.is_empty());
        assert_eq!(settings.log_format, LogFormat::Text);
        assert_eq!(settings.shutdown_grace, Duration::from_secs(30));
        assert_eq!(settings.metrics_address, None);
        assert_eq!(settings.header_read_timeout, Duration::from_secs(10));
    }

    #[test]
    fn operations_settings_are_checked() {
        let with = |pairs: &'static [(&'static str, &'static str)]| {
            Settings::from_env(move |name| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            })
        };
        let settings = with(&[
            ("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
            ("TRUSTED_PROXY_HEADER", "Forwarded"),
            ("LOG_FORMAT", "json"),
            ("METRICS_ADDR", "127.0.0.1:9100"),
        ])
        .unwrap();
        assert_eq!(settings.metrics_address, Some("127.0.0.1:9100".parse().unwrap()));
        assert!(!settings.trusted_proxies.is_empty());
        assert_eq!(settings.log_format, LogFormat::Json);
        for (bad, named) in [
            (
                &[("TRUSTED_PROXIES", "10.0.0.0/8, gateway")][..],
                "TRUSTED_PROXIES",
            ),
            (
                &[("TRUSTED_PROXY_HEADER", "X-Real-IP")][..],
                "TRUSTED_PROXY_HEADER",
            ),
            (&[("LOG_FORMAT", "xml")][..], "LOG_FORMAT"),
            (&[("SHUTDOWN_GRACE_SECS", "0")][..], "SHUTDOWN_GRACE_SECS"),
            (
                &[("HEADER_READ_TIMEOUT_SECS", "0")][..],
                "HEADER_READ_TIMEOUT_SECS",
            ),
            (&[("METRICS_ADDR", "9100")][..], "METRICS_ADDR"),
            (&[("TOKEN_KEYS", "k1:c2hvcnQ=")][..], "TOKEN_KEYS"),
        ] {
            let error = with(bad).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert!(error.contains(named), "{error}");
        }
    }

    #[test]
    fn numeric_settings_are_whole_and_positive() {
        for setting in [
            "CLEANUP_INTERVAL_SECS",
            "SIGN_IN_RATE_BURST",
            "SIGN_IN_RATE_REFILL_SECS",
        ] {
            let with = |value: &str| {
                let value = value.to_owned();
                Settings::from_env(move |name| (name == setting).then(|| value.clone()))
            };
            assert!(with("2").is_ok(), "{setting}");
            for bad in ["0", "-1", "1.5", "soon", ""] {
                let error = with(bad)
                    .err()
                    .unwrap_or_else(|| panic!("{setting}={bad:?} accepted"));
                assert!(error.contains(setting), "{error}");
            }
        }
        let settings = Settings::from_env(|name| match name {
            "CLEANUP_INTERVAL_SECS" => Some("2".into()),
            "SIGN_IN_RATE_BURST" => Some("500".into()),
            "SIGN_IN_RATE_REFILL_SECS" => Some("3".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(settings.cleanup_interval, Duration::from_secs(2));
        assert_eq!(settings.sign_in_burst, 500);
        assert_eq!(settings.sign_in_refill, Duration::from_secs(3));
    }

    #[test]
    fn app_url_must_be_an_origin() {
        for bad in [
            "localhost:3000",
            "ftp://x",
            "http://x/app",
            "http://x/?a=b",
            "not a url",
        ] {
            assert!(parse_app_url(bad).is_err(), "{bad} accepted");
        }
    }
}
