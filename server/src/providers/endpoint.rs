//! Where a provider's credentials and tokens may be sent: https, or plain http on this machine
//! (a local provider or a test's stand-in). Checked when the configuration is read, and again
//! for endpoints learnt at run time (a discovered revocation endpoint).

use url::Url;

/// Provider URLs must be https, except on loopback where local providers run over http.
pub(super) fn parse_endpoint(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("is not a URL ({e})"))?;
    if !is_safe_endpoint(&url) {
        return Err("must be an https URL (http is allowed only for localhost)".into());
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err("must not have a fragment or credentials".into());
    }
    Ok(url)
}

/// Where credentials may be sent: https, or plain http on this machine (a local provider).
pub fn is_safe_endpoint(url: &Url) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => true,
        "http" => loopback,
        _ => false,
    }
}
