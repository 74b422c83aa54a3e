//! Operators and moderation: who may moderate (the operators file and
//! its password checks, throttled), what they decided (bans, kept in a
//! bans file across restarts) and the address ranges bans and limits use.
//! The room decides and applies the commands (`room/moderate.rs`); this
//! module holds the parts that know nothing of members.

pub mod bans;
pub mod bans_file;
pub mod cidr;
pub mod operators;
pub mod passwd;
pub mod throttle;

use std::borrow::Cow;
use std::sync::Arc;

pub use bans::{Ban, BanTarget, Bans};
pub use bans_file::BansWriter;
pub use cidr::Cidr;
pub use operators::{Operators, hash_password};

/// What the room needs for moderation, besides its fold.
#[derive(Debug, Default)]
pub struct Moderation {
    pub operators: Arc<Operators>,
    /// The bans to start with (from the bans file).
    pub bans: Vec<Ban>,
    /// Where changed bans go, with a bans file.
    pub bans_file: Option<BansWriter>,
    /// Addresses never banned along with a name.
    pub exempt: Cow<'static, [ipnet::IpNet]>,
}

/// Whether `addr` is in any of `exempt` (`--exempt`, the list the
/// per-address limits use too): such an address is never banned along
/// with a name.
pub fn is_exempt(addr: std::net::IpAddr, exempt: &[ipnet::IpNet]) -> bool {
    let addr = addr.to_canonical();
    exempt.iter().any(|net| net.contains(&addr))
}
