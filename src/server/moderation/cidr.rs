//! Address ranges: `203.0.113.0/24`, `2001:db8::/32`, or one address
//! (`/32` or `/128` implied). IPv4-mapped IPv6 addresses count as the
//! IPv4 address they carry, so a dual-stack listener matches as well.

use std::fmt;
use std::net::IpAddr;

/// A range of addresses: a network address and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Exactly one address.
    pub fn single(addr: IpAddr) -> Cidr {
        let addr = canonical(addr);
        Cidr {
            addr,
            prefix: max_prefix(addr),
        }
    }

    /// Reads `ADDR` or `ADDR/PREFIX`; the host bits must be zero, so
    /// `10.0.0.1/8` (a typo for one address or a range?) is refused.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr = canonical(addr.parse().ok()?);
        let prefix = match prefix {
            None => max_prefix(addr),
            Some(p) if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) => return None,
            Some(p) => p.parse().ok().filter(|&p| p <= max_prefix(addr))?,
        };
        let cidr = Cidr { addr, prefix };
        (cidr.network(addr) == bits(addr)).then_some(cidr)
    }

    /// Whether `addr` is in the range.
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = canonical(addr);
        addr.is_ipv4() == self.addr.is_ipv4() && self.network(addr) == bits(self.addr)
    }

    /// One address rather than a range.
    pub fn is_single(&self) -> bool {
        self.prefix == max_prefix(self.addr)
    }

    /// `addr`'s bits with everything past the prefix cleared.
    fn network(&self, addr: IpAddr) -> u128 {
        let width = u32::from(max_prefix(addr));
        let host_bits = width - u32::from(self.prefix);
        let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
        bits(addr) & mask
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_single() {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

fn canonical(addr: IpAddr) -> IpAddr {
    addr.to_canonical()
}

fn max_prefix(addr: IpAddr) -> u8 {
    if addr.is_ipv4() { 32 } else { 128 }
}

fn bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// A range travels as its text (`10.0.0.0/8`).
impl serde::Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Cidr, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Cidr::parse(&text).ok_or_else(|| serde::de::Error::custom("not an address range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    fn cidr(text: &str) -> Cidr {
        Cidr::parse(text).expect(text)
    }

    #[test]
    fn ranges_match_the_addresses_inside() {
        let net = cidr("203.0.113.0/24");
        assert!(net.contains(ip("203.0.113.0")));
        assert!(net.contains(ip("203.0.113.255")));
        assert!(!net.contains(ip("203.0.114.1")));
        assert!(!net.contains(ip("::1")), "another family");
        assert!(cidr("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(!cidr("0.0.0.0/0").contains(ip("2001:db8::1")));
        let v6 = cidr("2001:db8::/32");
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(cidr("::/0").contains(ip("2001:db8::1")));
    }

    #[test]
    fn one_address_is_a_full_prefix() {
        let one = cidr("198.51.100.7");
        assert!(one.is_single());
        assert!(one.contains(ip("198.51.100.7")));
        assert!(!one.contains(ip("198.51.100.8")));
        assert_eq!(one.to_string(), "198.51.100.7");
        assert_eq!(cidr("198.51.100.7/32"), one);
        assert_eq!(Cidr::single(ip("198.51.100.7")), one);
        assert_eq!(cidr("10.0.0.0/8").to_string(), "10.0.0.0/8");
        assert_eq!(cidr("2001:db8::1").to_string(), "2001:db8::1");
    }

    #[test]
    fn mapped_addresses_count_as_ipv4() {
        let net = cidr("192.0.2.0/24");
        assert!(net.contains(ip("::ffff:192.0.2.9")));
        assert_eq!(cidr("::ffff:192.0.2.9"), cidr("192.0.2.9"));
    }

    #[test]
    fn bad_ranges_are_refused() {
        for text in [
            "",
            "troll",
            "10.0.0.1/8",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0/8",
            "::/129",
            "1.2.3.4/ 8",
        ] {
            assert_eq!(Cidr::parse(text), None, "{text:?}");
        }
    }
}
