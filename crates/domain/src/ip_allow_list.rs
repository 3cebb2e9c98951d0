use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IpAllowListError {
    #[error("`{0}` is not an IP address or CIDR range")]
    Invalid(String),
    #[error("must hold at most {max} entries")]
    TooMany { max: usize },
}

/// Where a key may be used from: IP addresses and CIDR ranges, v4 and v6.
/// Empty means "from anywhere".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpAllowList(Vec<IpNet>);

impl IpAllowList {
    pub const MAX_ENTRIES: usize = 100;

    /// Parses `127.0.0.1`, `10.0.0.0/8`, `::1` and `2001:db8::/32` alike. A
    /// bare address becomes a host range (/32 or /128). An IPv4-mapped IPv6
    /// entry (`::ffff:10.0.0.1`, `::ffff:10.0.0.0/104`) is kept as the IPv4
    /// range it stands for, since that is how client addresses are compared.
    pub fn parse<I, S>(entries: I) -> Result<Self, IpAllowListError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut nets = Vec::new();
        for entry in entries {
            let raw = entry.as_ref().trim();
            let net = parse_net(raw).ok_or_else(|| IpAllowListError::Invalid(raw.to_owned()))?;
            let net = canonical(net);
            if !nets.contains(&net) {
                nets.push(net);
            }
        }
        if nets.len() > Self::MAX_ENTRIES {
            return Err(IpAllowListError::TooMany { max: Self::MAX_ENTRIES });
        }
        Ok(Self(nets))
    }

    pub fn is_unrestricted(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a request from `ip` may use the key. IPv4-mapped IPv6 peers
    /// (`::ffff:10.0.0.1`) match IPv4 entries, as dual-stack sockets report them.
    pub fn allows(&self, ip: IpAddr) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Entries as written back to clients: a host range prints as a bare
    /// address (`127.0.0.1`), a wider one in CIDR form.
    pub fn entries(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|net| if net.prefix_len() == net.max_prefix_len() { net.addr().to_string() } else { net.to_string() })
            .collect()
    }
}

/// `::ffff:a.b.c.d/n` with n ≥ 96 is `a.b.c.d/(n − 96)`; anything else is itself.
/// One entry of an address list: a CIDR range, or a bare address as its
/// host range (/32 or /128).
pub(crate) fn parse_net(raw: &str) -> Option<IpNet> {
    raw.parse::<IpNet>().or_else(|_| raw.parse::<IpAddr>().map(IpNet::from)).ok()
}

fn canonical(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => v6
            .addr()
            .to_ipv4_mapped()
            .and_then(|v4| Ipv4Net::new(v4, v6.prefix_len() - 96).ok())
            .map_or(net, |v4| IpNet::V4(v4.trunc())),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_empty_list_allows_every_address() {
        assert!(IpAllowList::default().allows(ip("203.0.113.9")));
    }

    #[test]
    fn addresses_and_ranges_of_both_families_are_matched() {
        let list = IpAllowList::parse(["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"]).unwrap();
        assert!(list.allows(ip("127.0.0.1")));
        assert!(list.allows(ip("10.20.30.40")));
        assert!(list.allows(ip("2001:db8::1")));
        assert!(!list.allows(ip("127.0.0.2")));
        assert!(!list.allows(ip("2001:db9::1")));
    }

    #[test]
    fn an_ipv4_mapped_peer_matches_an_ipv4_entry() {
        let list = IpAllowList::parse(["10.0.0.0/8"]).unwrap();
        assert!(list.allows(ip("::ffff:10.1.2.3")));
    }

    #[test]
    fn a_bad_entry_is_named() {
        let err = IpAllowList::parse(["10.0.0.0/8", "not-an-ip"]).unwrap_err();
        assert_eq!(err, IpAllowListError::Invalid("not-an-ip".into()));
    }

    #[test]
    fn host_entries_print_without_a_prefix_length() {
        let list = IpAllowList::parse(["127.0.0.1", "10.0.0.0/8"]).unwrap();
        assert_eq!(list.entries(), vec!["127.0.0.1", "10.0.0.0/8"]);
    }

    #[test]
    fn an_ipv4_mapped_entry_is_the_ipv4_range_it_stands_for() {
        let list = IpAllowList::parse(["::ffff:127.0.0.1", "::ffff:10.0.0.0/104"]).unwrap();
        assert_eq!(list.entries(), vec!["127.0.0.1".to_owned(), "10.0.0.0/8".to_owned()]);
        assert!(list.allows(ip("127.0.0.1")));
        assert!(list.allows(ip("::ffff:10.1.2.3")));
        assert!(list.allows(ip("10.1.2.3")));
        assert!(!list.allows(ip("11.0.0.1")));
    }

    #[test]
    fn an_ipv4_range_does_not_cover_ipv6() {
        let any_v4 = IpAllowList::parse(["0.0.0.0/0"]).unwrap();
        assert!(any_v4.allows(ip("203.0.113.9")));
        assert!(!any_v4.allows(ip("2001:db8::1")));
        assert!(IpAllowList::parse(["::/0"]).unwrap().allows(ip("2001:db8::1")));
    }
}
