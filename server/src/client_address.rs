//! The address a request came from, for the sign-in limits and the audit trail.
//!
//! It is the TCP peer, unless the peer is a proxy the operator named in
//! `SM_TRUSTED_PROXIES`. Then the proxy's forwarding header (`X-Forwarded-For`, or
//! `Forwarded` when `SM_FORWARDED_HEADER=forwarded`) is read from the right, skipping the
//! trusted proxies, and the first address no trusted proxy vouches for is the client. Anything
//! to the left of it was written by the client itself and could be anything, so it is never
//! used. Only one header is read: a proxy that sets one passes the other through from the
//! client unchanged, and reading it would let a client choose its own address.

use app::server::access::ClientAddress;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

/// Which header the trusted proxies write the client's address in.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

/// The proxies whose forwarding headers are believed: addresses and networks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    header: ForwardedHeader,
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// `10.0.0.0/8, 127.0.0.1, ::1`: comma-separated addresses and CIDR networks.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let networks = text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{part}` is not an address or a network like 10.0.0.0/8"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedProxies {
            networks,
            header: ForwardedHeader::default(),
        })
    }
}

impl TrustedProxies {
    pub fn reading(mut self, header: ForwardedHeader) -> Self {
        self.header = header;
        self
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.networks.iter().any(|network| network.contains(&ip))
    }

    /// The client's address, from the TCP peer and the request's headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        // Each hop, nearest last; `None` where a hop is not an address (`unknown`, an
        // obfuscated name): nothing to its left can be vouched for.
        let hops = match self.header {
            ForwardedHeader::XForwardedFor => x_forwarded_for(headers),
            ForwardedHeader::Forwarded => forwarded(headers),
        };
        let mut nearest = peer;
        for hop in hops.into_iter().rev() {
            match hop {
                Some(ip) if self.trusts(ip) => nearest = ip,
                Some(ip) => return ip,
                None => return nearest,
            }
        }
        nearest
    }
}

/// Every `X-Forwarded-For` entry, in order, over all the header's lines.
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("unknown").split(','))
        .map(parse_node)
        .collect()
}

/// Every `for=` of a `Forwarded` header (RFC 7239), in order, over all its lines.
fn forwarded(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("forwarded")
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("for=unknown").split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, node)| parse_node(node))
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `"[2001:db8::1]:4711"`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    let bracketed = node.strip_prefix('[')?.split(']').next()?;
    bracketed.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

/// Puts the client's address in the request, for the gate, the handlers and the server
/// functions. Without a TCP peer (requests made in process) it is `unknown`.
pub async fn layer(
    State(proxies): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| proxies.client(info.0.ip(), request.headers()).to_string())
        .unwrap_or_else(|| "unknown".to_string());
    request.extensions_mut().insert(ClientAddress(address));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(name, value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_claims() {
        let none = TrustedProxies::default();
        let claims = headers("x-forwarded-for", &["198.51.100.7"]);
        assert_eq!(none.client(ip("10.0.0.5"), &claims), ip("10.0.0.5"));
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let proxies: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        let claims = headers("x-forwarded-for", &["198.51.100.7"]);
        assert_eq!(
            proxies.client(ip("203.0.113.9"), &claims),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client() {
        let proxies: TrustedProxies = "10.0.0.0/8, 127.0.0.1".parse().unwrap();
        // The client wrote the first entry itself; the proxy appended what it saw.
        let chain = headers("x-forwarded-for", &["1.2.3.4, 198.51.100.7, 10.1.1.1"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &chain), ip("198.51.100.7"));
        // Split over several header lines, the order is the same.
        let lines = headers("x-forwarded-for", &["1.2.3.4", "198.51.100.7, 10.1.1.1"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &lines), ip("198.51.100.7"));
    }

    #[test]
    fn a_hop_that_is_not_an_address_stops_the_walk_at_the_nearest_trusted_one() {
        let proxies: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        let chain = headers("x-forwarded-for", &["198.51.100.7, unknown, 10.1.1.1"]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &chain), ip("10.1.1.1"));
        // No header at all: the proxy itself.
        assert_eq!(
            proxies.client(ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn the_forwarded_header_is_read_only_when_chosen() {
        let proxies = "127.0.0.1"
            .parse::<TrustedProxies>()
            .unwrap()
            .reading(ForwardedHeader::Forwarded);
        let mut both = headers(
            "forwarded",
            &["for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https"],
        );
        both.append("x-forwarded-for", "198.51.100.7".parse().unwrap());
        assert_eq!(proxies.client(ip("127.0.0.1"), &both), ip("2001:db8::7"));
        let xff: TrustedProxies = "127.0.0.1".parse().unwrap();
        assert_eq!(xff.client(ip("127.0.0.1"), &both), ip("198.51.100.7"));
    }

    #[test]
    fn ports_and_mapped_addresses_are_read_as_the_address() {
        let proxies: TrustedProxies = "127.0.0.1".parse().unwrap();
        let chain = headers("x-forwarded-for", &["198.51.100.7:5555"]);
        assert_eq!(
            proxies.client(ip("::ffff:127.0.0.1"), &chain),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_bad_entry_in_the_setting_is_named() {
        let error = "10.0.0.0/8, proxy.example"
            .parse::<TrustedProxies>()
            .unwrap_err();
        assert!(error.contains("proxy.example"), "{error}");
    }
}
