//! The client's address behind a reverse proxy. Per-address limits count the TCP peer, unless
//! the peer is one of `server.trusted_proxies`: then the address that proxy forwarded
//! (`Forwarded: for=…`, or else `X-Forwarded-For`) is the client. Each proxy appends the
//! address it got the request from, so the list is read from the right, past every trusted
//! proxy, to the first address that is not one. A client cannot choose its address by sending
//! these headers itself: what it wrote stands left of what the trusted proxies appended, and
//! from an untrusted peer the headers are not read at all.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// An address or a network (`10.0.0.0/8`, `2001:db8::/32`) of trusted proxies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    bits: u8,
}

impl Network {
    /// `addr` or `addr/bits`.
    pub fn parse(s: &str) -> Option<Network> {
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let addr: IpAddr = addr.trim().parse().ok()?;
        let addr = addr.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(b) => b.trim().parse::<u8>().ok().filter(|b| *b <= max)?,
            None => max,
        };
        Some(Network { addr, bits })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.bits),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.bits),
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = ((bits / 8) as usize, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}

/// A whitespace- or comma-separated list of networks (empty: no proxy is trusted).
pub fn parse_list(s: &str) -> Result<Vec<Network>, String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(|p| Network::parse(p).ok_or_else(|| format!("{p:?} is not an address or address/bits")))
        .collect()
}

/// The client's address for a request from `peer` with these headers.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[Network]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops = forwarded_for(headers);
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            // What a trusted proxy says it got the request from.
            Some(ip) => {
                client = *ip;
                if !is_trusted(*ip) {
                    break;
                }
            }
            // A hop we cannot read ("unknown", an obfuscated name): the last trusted proxy
            // that spoke is the client as far as anyone can tell.
            None => break,
        }
    }
    client
}

/// The addresses in `Forwarded` (its `for=` parameters), or else in `X-Forwarded-For`, left to
/// right; `None` for an entry that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers.get_all("forwarded").iter().filter_map(|v| v.to_str().ok()).collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then(|| node_ip(v.trim().trim_matches('"')))
                })
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| node_ip(s.trim()))
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711` or `2001:db8::1`.
fn node_ip(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.parse().ok().or_else(|| node.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// Replaces the request's peer address (`ConnectInfo`, which every per-address limit reads)
/// with the client's when the peer is a trusted proxy. Does nothing when none is configured.
pub async fn client_address(State(trusted): State<Arc<[Network]>>, mut req: Request, next: Next) -> Response {
    if !trusted.is_empty() {
        if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
            let ip = client_ip(peer.ip(), req.headers(), &trusted);
            if ip != peer.ip() {
                req.extensions_mut().insert(ConnectInfo(SocketAddr::new(ip, 0)));
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_match_by_their_prefix() {
        let n = Network::parse("10.1.0.0/16").unwrap();
        assert!(n.contains(ip("10.1.200.3")) && !n.contains(ip("10.2.0.1")));
        assert!(n.contains(ip("::ffff:10.1.0.9")), "an IPv4 address written as IPv6");
        let v6 = Network::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")) && !v6.contains(ip("2001:db9::1")));
        assert!(Network::parse("127.0.0.1").unwrap().contains(ip("127.0.0.1")));
        assert!(Network::parse("0.0.0.0/0").unwrap().contains(ip("198.51.100.7")));
        for bad in ["", "10.0.0.0/33", "2001:db8::/129", "example.com", "10.0.0.0/x"] {
            assert_eq!(Network::parse(bad), None, "{bad}");
        }
        assert_eq!(parse_list(" 127.0.0.1, ::1  10.0.0.0/8 ").unwrap().len(), 3);
        assert!(parse_list("").unwrap().is_empty());
        assert!(parse_list("127.0.0.1, nonsense").is_err());
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_peer() {
        let trusted = parse_list("127.0.0.1").unwrap();
        let xff = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(client_ip(ip("127.0.0.1"), &xff, &trusted), ip("203.0.113.9"));
        assert_eq!(client_ip(ip("198.51.100.7"), &xff, &trusted), ip("198.51.100.7"), "not from our proxy");
        assert_eq!(client_ip(ip("127.0.0.1"), &xff, &[]), ip("127.0.0.1"), "no proxy configured");
        assert_eq!(client_ip(ip("127.0.0.1"), &HeaderMap::new(), &trusted), ip("127.0.0.1"), "no header");
    }

    #[test]
    fn a_client_cannot_choose_its_address_by_sending_the_header_itself() {
        let trusted = parse_list("127.0.0.1 10.0.0.0/8").unwrap();
        // The client wrote "1.2.3.4"; the outer proxy appended the client's real address, the
        // inner one the outer proxy's.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), ip("203.0.113.9"));
        let two_headers = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(client_ip(ip("127.0.0.1"), &two_headers, &trusted), ip("203.0.113.9"));
        let unreadable = headers(&[("x-forwarded-for", "1.2.3.4, unknown, 10.0.0.2")]);
        assert_eq!(client_ip(ip("127.0.0.1"), &unreadable, &trusted), ip("10.0.0.2"));
    }

    #[test]
    fn the_standard_forwarded_header_is_read_before_x_forwarded_for() {
        let trusted = parse_list("127.0.0.1").unwrap();
        let h = headers(&[
            ("forwarded", "for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https"),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), ip("2001:db8::7"));
        let h = headers(&[("forwarded", "proto=https;For=192.0.2.60:8080")]);
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), ip("192.0.2.60"));
    }
}
