//! Any allow list a client sends either parses or is refused (never a
//! panic); what parses writes back in a form that parses to the same list,
//! and an IPv4 client matches exactly as its IPv4-mapped IPv6 form does.
#![no_main]

use std::net::IpAddr;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sesame_domain::IpAllowList;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    entries: Vec<&'a str>,
    client: IpAddr,
}

fuzz_target!(|input: Input| {
    let Ok(list) = IpAllowList::parse(&input.entries) else { return };
    let again = IpAllowList::parse(list.entries()).expect("written-back entries parse");
    assert_eq!(again, list, "written-back entries are the same list");
    assert_eq!(again.allows(input.client), list.allows(input.client));
    if let IpAddr::V4(v4) = input.client {
        assert_eq!(list.allows(IpAddr::V6(v4.to_ipv6_mapped())), list.allows(input.client), "mapped {v4}");
    }
});
