use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TrustedProxiesError {
    #[error("`{0}` is not an IP address or CIDR range")]
    Invalid(String),
}

/// The proxies (gateways, load balancers) whose `X-Forwarded-For` and
/// `X-Real-IP` are believed. Empty: none is, and the client of a request is
/// always its peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `10.0.0.0/8`, `127.0.0.1`, `::1` and `fd00::/8` alike.
    ///
    /// # Errors
    /// The first entry that is neither an address nor a range, named.
    pub fn parse<I, S>(entries: I) -> Result<Self, TrustedProxiesError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut nets = Vec::new();
        for entry in entries {
            let raw = entry.as_ref().trim();
            let net =
                crate::ip_allow_list::parse_net(raw).ok_or_else(|| TrustedProxiesError::Invalid(raw.to_owned()))?;
            nets.push(net);
        }
        Ok(Self(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is a trusted proxy; an IPv4-mapped IPv6 address is its IPv4 one.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The address of the client a request stands for, as a server behind
    /// these proxies should take it:
    /// * a peer that is not trusted is the client, whatever it claims in
    ///   `X-Forwarded-For` (a client can write that header itself);
    /// * from a trusted peer, `X-Forwarded-For` (each `forwarded_for` value
    ///   a comma-separated list, in the order received) is read from the
    ///   right, each trusted hop skipped: the first untrusted address is the
    ///   client, since only the hops to its right vouch for it; if every hop
    ///   is trusted, the leftmost is the client. An entry that is not an
    ///   address stops the walk at the last trusted hop read;
    /// * from a trusted peer without `X-Forwarded-For`, `X-Real-IP` when it
    ///   is an address, else the peer.
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: &[&str], real_ip: Option<&str>) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if !self.contains(peer) {
            return Some(peer);
        }
        let mut hops = forwarded_for.iter().flat_map(|value| value.split(',')).map(str::trim).peekable();
        if hops.peek().is_none() {
            return Some(real_ip.and_then(parse_hop).unwrap_or(peer));
        }
        let hops: Vec<&str> = hops.collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else { return Some(client) };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// An `X-Forwarded-For` entry: an address, or one with a port
/// (`203.0.113.7:5100`, `[2001:db8::1]:443`) as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip())).map(canonical)
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::parse(["10.0.0.0/8", "127.0.0.1"]).unwrap()
    }

    fn client(peer: &str, xff: &[&str], real: Option<&str>) -> IpAddr {
        proxies().client_ip(Some(ip(peer)), xff, real).unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(client("203.0.113.9", &["198.51.100.1"], Some("198.51.100.2")), ip("203.0.113.9"));
        assert_eq!(
            TrustedProxies::default().client_ip(Some(ip("127.0.0.1")), &["1.2.3.4"], None),
            Some(ip("127.0.0.1"))
        );
    }

    #[test]
    fn a_trusted_peer_vouches_for_the_address_it_appended() {
        assert_eq!(client("127.0.0.1", &["198.51.100.1"], None), ip("198.51.100.1"));
    }

    #[test]
    fn a_spoofed_entry_left_of_the_real_client_is_ignored() {
        // The client wrote `1.1.1.1` itself; the trusted proxy appended the
        // address it saw.
        assert_eq!(client("127.0.0.1", &["1.1.1.1, 198.51.100.1"], None), ip("198.51.100.1"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_of_a_chain_of_trusted_proxies_is_the_client() {
        assert_eq!(client("10.0.0.1", &["1.1.1.1, 198.51.100.1, 10.0.0.3", "10.0.0.2"], None), ip("198.51.100.1"));
    }

    #[test]
    fn when_every_hop_is_trusted_the_leftmost_is_the_client() {
        assert_eq!(client("10.0.0.1", &["10.0.0.9, 10.0.0.2"], None), ip("10.0.0.9"));
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_trusted_hop() {
        assert_eq!(client("10.0.0.1", &["198.51.100.1, nonsense, 10.0.0.2"], None), ip("10.0.0.2"));
        assert_eq!(client("10.0.0.1", &["nonsense"], None), ip("10.0.0.1"));
    }

    #[test]
    fn ports_and_mapped_addresses_are_understood() {
        assert_eq!(client("::ffff:127.0.0.1", &["198.51.100.1:5100"], None), ip("198.51.100.1"));
        assert_eq!(client("127.0.0.1", &["[2001:db8::1]:443"], None), ip("2001:db8::1"));
    }

    #[test]
    fn x_real_ip_is_read_from_a_trusted_peer_only_without_x_forwarded_for() {
        assert_eq!(client("127.0.0.1", &[], Some("198.51.100.4")), ip("198.51.100.4"));
        assert_eq!(client("127.0.0.1", &["198.51.100.1"], Some("198.51.100.4")), ip("198.51.100.1"));
        assert_eq!(client("127.0.0.1", &[], Some("junk")), ip("127.0.0.1"));
    }

    #[test]
    fn no_peer_means_no_client_address() {
        assert_eq!(proxies().client_ip(None, &["198.51.100.1"], None), None);
    }

    #[test]
    fn a_bad_entry_is_named() {
        assert_eq!(
            TrustedProxies::parse(["10.0.0.0/8", "10.0.0.0/33"]).unwrap_err(),
            TrustedProxiesError::Invalid("10.0.0.0/33".into())
        );
    }
}
