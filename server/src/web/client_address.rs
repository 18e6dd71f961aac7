//! Who is on the other end: the TCP peer, or, when the peer is a trusted reverse proxy, the
//! address that proxy reports in `X-Forwarded-For` or `Forwarded` (RFC 7239). Rate limiting
//! and the logs key on the result.
//!
//! Each proxy appends the address it received the request from, so the list is read from the
//! right: trusted proxies are skipped, and the first address that is not one of them is the
//! client. Anything left of it was written by the client and could be forged.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use http::HeaderMap;
use ipnet::IpNet;

/// The address a request is attributed to, put in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The network an address is in, as a sign-in history shows it: its IPv4 /24 or IPv6 /48,
/// enough to tell home from elsewhere, never the address itself.
pub fn coarse(address: IpAddr) -> String {
    let prefix = match address.to_canonical() {
        IpAddr::V4(_) => 24,
        IpAddr::V6(_) => 48,
    };
    IpNet::new(address.to_canonical(), prefix)
        .map(|net| net.trunc().to_string())
        .unwrap_or_default()
}

/// Which header the trusted proxies write. Only one is read: a proxy that writes one header
/// passes the other through from the client untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardedHeader {
    XForwardedFor,
    Forwarded,
}

impl ForwardedHeader {
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(Self::XForwardedFor),
            "forwarded" => Some(Self::Forwarded),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxies {
    ranges: Vec<IpNet>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    /// No proxy is trusted: the peer address is the client.
    pub fn none() -> Self {
        Self {
            ranges: Vec::new(),
            header: ForwardedHeader::XForwardedFor,
        }
    }

    /// A comma-separated list of addresses (`10.0.0.7`) and CIDR ranges (`10.0.0.0/8`).
    pub fn parse(list: &str, header: ForwardedHeader) -> Result<Self, String> {
        let ranges = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|range| range.trunc())
                    .map_err(|_| format!("{entry:?} is neither an IP address nor a CIDR range"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { ranges, header })
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.ranges.iter().any(|range| range.contains(&address))
    }

    /// The client of a request that arrived from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops = match self.header {
            ForwardedHeader::XForwardedFor => x_forwarded_for(headers),
            ForwardedHeader::Forwarded => forwarded_for(headers),
        };
        // Walking left from the peer: each hop was reported by the trusted one to its right.
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            match hop {
                Some(address) => {
                    client = canonical(address);
                    if !self.trusts(client) {
                        break;
                    }
                }
                // An entry that is not an address ("unknown", garbage): nothing left of it can
                // be believed, so the request counts as coming from the last trusted hop.
                None => break,
            }
        }
        client
    }
}

/// Middleware: records the [`ClientAddress`] of every request.
pub async fn resolve(
    State(trusted): State<std::sync::Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let client = trusted.client(peer.ip(), request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

/// IPv4 clients of a dual-stack listener show up as `::ffff:a.b.c.d`; they are the same client.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// Every `X-Forwarded-For` entry in order, from all such headers; `None` where one is not an
/// address. Entries may carry a port (`1.2.3.4:5678`, `[2001:db8::1]:80`).
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("\u{0}").split(','))
        .map(|entry| parse_node(entry.trim()))
        .collect()
}

/// Every `for=` of every `Forwarded` element in order (RFC 7239 section 4); `None` where a
/// node is obfuscated, `unknown` or malformed.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all(http::header::FORWARDED)
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("for=\u{0}").split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_node(value.trim().trim_matches('"')))
            })
        })
        .collect()
}

/// `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:80`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(address) = node.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    node.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_history_keeps_only_the_network_of_an_address() {
        let coarse_of = |text: &str| coarse(text.parse().unwrap());
        assert_eq!(coarse_of("203.0.113.77"), "203.0.113.0/24");
        assert_eq!(coarse_of("127.0.0.1"), "127.0.0.0/24");
        assert_eq!(coarse_of("2001:db8:1:2:3:4:5:6"), "2001:db8:1::/48");
        assert_eq!(coarse_of("::ffff:198.51.100.9"), "198.51.100.0/24");
    }
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn proxies(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list, ForwardedHeader::XForwardedFor).unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() {
        let forged = headers(&[("x-forwarded-for", "6.6.6.6"), ("forwarded", "for=6.6.6.6")]);
        assert_eq!(
            TrustedProxies::none().client(ip("203.0.113.9"), &forged),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn an_untrusted_peer_cannot_forge_its_address() {
        let forged = headers(&[("x-forwarded-for", "6.6.6.6")]);
        assert_eq!(
            proxies("10.0.0.0/8").client(ip("203.0.113.9"), &forged),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client() {
        let trusted = proxies("10.0.0.0/8, 192.168.1.1");
        // The client wrote 6.6.6.6 itself; the edge proxy appended the real 198.51.100.7.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.1.2.3")]);
        assert_eq!(trusted.client(ip("192.168.1.1"), &chain), ip("198.51.100.7"));
        // Several header lines are one list.
        let split = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.7:4711"),
        ]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &split), ip("198.51.100.7"));
    }

    #[test]
    fn a_trusted_proxy_without_a_header_is_the_client() {
        assert_eq!(
            proxies("127.0.0.1").client(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn garbage_in_the_chain_stops_the_walk_at_the_last_trusted_hop() {
        let trusted = proxies("10.0.0.0/8");
        let chain = headers(&[("x-forwarded-for", "198.51.100.7, not-an-address, 10.0.0.2")]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &chain), ip("10.0.0.2"));
    }

    #[test]
    fn forwarded_is_read_only_when_chosen() {
        let both = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            (
                "forwarded",
                r#"for=192.0.2.60;proto=https, for="[2001:db8:cafe::17]:4711""#,
            ),
        ]);
        let via_forwarded = TrustedProxies::parse("10.0.0.1", ForwardedHeader::Forwarded).unwrap();
        assert_eq!(
            via_forwarded.client(ip("10.0.0.1"), &both),
            ip("2001:db8:cafe::17")
        );
        assert_eq!(proxies("10.0.0.1").client(ip("10.0.0.1"), &both), ip("6.6.6.6"));
        let hidden = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(via_forwarded.client(ip("10.0.0.1"), &hidden), ip("10.0.0.1"));
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        let chain = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(
            proxies("127.0.0.0/8").client(ip("::ffff:127.0.0.1"), &chain),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn the_list_takes_addresses_and_ranges_and_names_what_it_refuses() {
        assert!(proxies("").is_empty());
        assert!(!proxies("10.0.0.1, fd00::/8 ,127.0.0.0/8").is_empty());
        let error =
            TrustedProxies::parse("10.0.0.1, proxy.internal", ForwardedHeader::XForwardedFor).unwrap_err();
        assert!(error.contains("proxy.internal"), "{error}");
        assert!(TrustedProxies::parse("10.0.0.0/33", ForwardedHeader::XForwardedFor).is_err());
    }
}
