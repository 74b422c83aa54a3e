//! The bans: names (compared like names are, so a look-alike is banned
//! too) and address ranges, each maybe with an expiry. Part of the room's
//! fold, so every server holds the same bans at the same seq; expiry is
//! judged against a time the caller gives (an entry's stamp, or now).

use std::fmt;
use std::net::IpAddr;

use super::cidr::Cidr;
use crate::protocol::{Name, Timestamp};

/// Most bans held at once; `/ban` past it is refused.
pub const MAX_BANS: usize = 10_000;

/// What a ban matches.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BanTarget {
    Name(Name),
    Range(Cidr),
}

impl BanTarget {
    /// An address or range first (`10.0.0.1` is a valid name too), then a name.
    pub fn parse(text: &str) -> Option<BanTarget> {
        if let Some(range) = Cidr::parse(text) {
            return Some(BanTarget::Range(range));
        }
        Name::parse(text).ok().map(BanTarget::Name)
    }

    /// The same target under the rules it is matched by.
    pub fn same_as(&self, other: &BanTarget) -> bool {
        match (self, other) {
            (BanTarget::Name(one), BanTarget::Name(two)) => one.skeleton() == two.skeleton(),
            (BanTarget::Range(one), BanTarget::Range(two)) => one == two,
            (BanTarget::Name(_), BanTarget::Range(_))
            | (BanTarget::Range(_), BanTarget::Name(_)) => false,
        }
    }
}

impl fmt::Display for BanTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BanTarget::Name(name) => write!(f, "{name}"),
            BanTarget::Range(range) => write!(f, "{range}"),
        }
    }
}

/// One ban.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ban {
    pub target: BanTarget,
    /// `None`: until unbanned.
    pub until: Option<Timestamp>,
    /// Already cleaned (no parentheses), as members are told it.
    pub reason: Option<String>,
    /// The operator who banned.
    pub by: String,
    /// The name ban this address ban came with (`/unban NAME` lifts both).
    pub via: Option<Name>,
}

impl Ban {
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.until.is_none_or(|until| until > now)
    }
}

/// The bans in force (and perhaps some just expired: readers pass the time).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bans {
    list: Vec<Ban>,
    /// Counts changes, so the bans file is written only after one.
    generation: u64,
}

impl Bans {
    /// Every ban held, expired or not.
    pub fn list(&self) -> &[Ban] {
        &self.list
    }

    pub fn from_list(list: Vec<Ban>) -> Bans {
        Bans {
            list,
            generation: 0,
        }
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Adds a ban, replacing any on the same target.
    pub fn add(&mut self, ban: Ban) {
        self.list.retain(|old| !old.target.same_as(&ban.target));
        self.list.push(ban);
        self.generation += 1;
    }

    /// Lifts the bans on `target` and those that came with it; whether any.
    pub fn remove(&mut self, target: &BanTarget) -> bool {
        let before = self.list.len();
        self.list.retain(|ban| {
            let came_with = match (&ban.via, target) {
                (Some(via), BanTarget::Name(name)) => via.skeleton() == name.skeleton(),
                _ => false,
            };
            !ban.target.same_as(target) && !came_with
        });
        let removed = self.list.len() != before;
        if removed {
            self.generation += 1;
        }
        removed
    }

    /// Drops bans that expired by `now`.
    pub fn prune(&mut self, now: Timestamp) {
        let before = self.list.len();
        self.list.retain(|ban| ban.is_active(now));
        if self.list.len() != before {
            self.generation += 1;
        }
    }

    /// The ban in force on exactly `target`, if any.
    pub fn find(&self, target: &BanTarget, now: Timestamp) -> Option<&Ban> {
        self.active(now).find(|ban| ban.target.same_as(target))
    }

    /// Whether a ban in force matches `name`.
    pub fn bans_name(&self, name: &Name, now: Timestamp) -> bool {
        let target = BanTarget::Name(name.clone());
        self.find(&target, now).is_some()
    }

    /// The ban in force that matches `addr`, if any.
    pub fn banning_addr(&self, addr: IpAddr, now: Timestamp) -> Option<&Ban> {
        self.active(now).find(|ban| match &ban.target {
            BanTarget::Range(range) => range.contains(addr),
            BanTarget::Name(_) => false,
        })
    }

    /// The bans in force, oldest first.
    pub fn active(&self, now: Timestamp) -> impl Iterator<Item = &Ban> {
        self.list.iter().filter(move |ban| ban.is_active(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ban(target: &str, until: Option<i64>) -> Ban {
        Ban {
            target: BanTarget::parse(target).expect(target),
            until: until.map(Timestamp),
            reason: None,
            by: "root".into(),
            via: None,
        }
    }

    fn name(text: &str) -> Name {
        Name::parse(text).expect(text)
    }

    #[test]
    fn targets_are_addresses_ranges_or_names() {
        assert!(matches!(
            BanTarget::parse("10.0.0.1"),
            Some(BanTarget::Range(_))
        ));
        assert!(matches!(
            BanTarget::parse("10.0.0.0/8"),
            Some(BanTarget::Range(_))
        ));
        assert!(matches!(BanTarget::parse("::1"), Some(BanTarget::Range(_))));
        assert!(matches!(
            BanTarget::parse("troll"),
            Some(BanTarget::Name(_))
        ));
        assert_eq!(BanTarget::parse("10.0.0.1/8"), None);
        assert_eq!(BanTarget::parse("-x"), None);
    }

    #[test]
    fn names_match_like_names_and_ranges_hold_addresses() {
        let mut bans = Bans::default();
        bans.add(ban("Troll", None));
        bans.add(ban("198.51.100.0/24", None));
        let now = Timestamp(0);
        assert!(bans.bans_name(&name("troll"), now));
        assert!(bans.bans_name(&name("ＴＲＯＬＬ"), now));
        assert!(!bans.bans_name(&name("trolley"), now));
        let inside = "198.51.100.200".parse().expect("addr");
        let outside = "198.51.101.1".parse().expect("addr");
        assert!(bans.banning_addr(inside, now).is_some());
        assert!(bans.banning_addr(outside, now).is_none());
    }

    #[test]
    fn expired_bans_stop_matching_and_are_pruned() {
        let mut bans = Bans::default();
        bans.add(ban("troll", Some(1000)));
        assert!(bans.bans_name(&name("troll"), Timestamp(999)));
        assert!(!bans.bans_name(&name("troll"), Timestamp(1000)));
        let generation = bans.generation();
        bans.prune(Timestamp(1000));
        assert!(bans.is_empty());
        assert!(bans.generation() > generation, "a change to write down");
    }

    #[test]
    fn unbanning_a_name_lifts_the_address_that_came_with_it() {
        let mut bans = Bans::default();
        bans.add(ban("troll", None));
        let mut address = ban("203.0.113.7", None);
        address.via = Some(name("troll"));
        bans.add(address);
        bans.add(ban("203.0.113.9", None));
        bans.add(ban("TROLL", Some(5)));
        assert_eq!(bans.len(), 3, "a second ban on a name replaces the first");
        assert!(bans.remove(&BanTarget::parse("troll").expect("name")));
        let left: Vec<String> = bans
            .active(Timestamp(0))
            .map(|b| b.target.to_string())
            .collect();
        assert_eq!(left, ["203.0.113.9"]);
        assert!(!bans.remove(&BanTarget::parse("troll").expect("name")));
    }
}
