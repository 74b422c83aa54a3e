//! Per-address limits: open connections per address (IPv6: per /64) and
//! new connections per address per window, with exempt ranges.
//!
//! A connection counts from the moment it is admitted, named or not, so a
//! host cannot hold every slot with logins that never choose a name. The
//! table sits behind a mutex held for a few instructions by connection
//! tasks at connect and at close; the room never touches it. It stays
//! bounded: addresses with no open connection and a spent window are
//! forgotten when the table fills.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ipnet::IpNet;
use tokio::time::Instant;

/// Addresses tracked at most; beyond it, windows are forgotten first.
const MAX_TRACKED: usize = 64 * 1024;
/// An address that keeps being refused is logged once per this interval.
const REPORT_EVERY: Duration = Duration::from_secs(60);

/// What is limited, from the server's config.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Open connections per address; 0 = no limit.
    pub max_open: usize,
    /// New connections per address per `window`; 0 = no limit.
    pub max_new: usize,
    pub window: Duration,
    pub exempt: Vec<IpNet>,
}

/// Where limits apply: one IPv4 address, or one IPv6 /64.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
enum AddressKey {
    V4(Ipv4Addr),
    V6Prefix(u64),
}

impl AddressKey {
    fn of(ip: IpAddr) -> AddressKey {
        match ip.to_canonical() {
            IpAddr::V4(v4) => AddressKey::V4(v4),
            IpAddr::V6(v6) => AddressKey::V6Prefix((v6.to_bits() >> 64) as u64),
        }
    }
}

#[derive(Debug, Default)]
struct Entry {
    open: usize,
    /// When the window's allowance is whole again (`None`: it is).
    full_at: Option<Instant>,
    /// When a refusal of this address was last reported.
    reported_at: Option<Instant>,
}

/// Why a connection was turned away (both get `-- bye (too many connections)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `--max-per-address` connections from this address are open.
    TooMany,
    /// `--max-new-per-address` connections came within the window.
    TooFast,
}

/// A refused connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    pub why: Refusal,
    /// The address's first refusal in a while: worth a log line (a flood
    /// from one address logs one line a minute, not one per connection).
    pub report: bool,
}

/// The per-address limits, shared by every connection task.
#[derive(Debug)]
pub struct AddressLimits {
    policy: Policy,
    table: Mutex<HashMap<AddressKey, Entry>>,
}

/// An admitted connection; dropping it frees its address's slot.
#[derive(Debug)]
pub struct AddressSlot {
    limits: Arc<AddressLimits>,
    /// `None` for an exempt address.
    key: Option<AddressKey>,
}

impl AddressLimits {
    pub fn new(policy: Policy) -> Arc<AddressLimits> {
        Arc::new(AddressLimits {
            policy,
            table: Mutex::new(HashMap::new()),
        })
    }

    /// Whether `ip` is in an exempt range.
    pub fn is_exempt(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.policy.exempt.iter().any(|net| net.contains(&ip))
    }

    /// Admits a new connection from `ip`, or says why not.
    pub fn admit(self: &Arc<Self>, ip: IpAddr, now: Instant) -> Result<AddressSlot, Refused> {
        if self.is_exempt(ip) {
            return Ok(self.slot(None));
        }
        let key = AddressKey::of(ip);
        let mut table = self.lock();
        if !table.contains_key(&key) && table.len() >= MAX_TRACKED {
            prune(&mut table, now);
        }
        let entry = table.entry(key).or_default();
        let full = self.policy.max_open > 0 && entry.open >= self.policy.max_open;
        let refusal = match self.take_new(entry, now) {
            Err(too_fast) => Some(too_fast),
            Ok(()) => full.then_some(Refusal::TooMany),
        };
        if let Some(why) = refusal {
            let report = entry.reported_at.is_none_or(|at| now >= at + REPORT_EVERY);
            if report {
                entry.reported_at = Some(now);
            }
            return Err(Refused { why, report });
        }
        entry.open += 1;
        drop(table);
        Ok(self.slot(Some(key)))
    }

    /// Spends one of the window's new connections (an even share of the
    /// window each, so a burst of `max_new` is allowed after a quiet one).
    fn take_new(&self, entry: &mut Entry, now: Instant) -> Result<(), Refusal> {
        let max_new = u32::try_from(self.policy.max_new).unwrap_or(u32::MAX);
        if max_new == 0 {
            return Ok(());
        }
        let each = self.policy.window / max_new;
        let from = entry.full_at.filter(|&at| at > now).unwrap_or(now);
        let debt = from - now;
        if debt + each > self.policy.window {
            return Err(Refusal::TooFast);
        }
        entry.full_at = Some(from + each);
        Ok(())
    }

    fn slot(self: &Arc<Self>, key: Option<AddressKey>) -> AddressSlot {
        AddressSlot {
            limits: self.clone(),
            key,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<AddressKey, Entry>> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Forgets addresses with nothing open and a whole window; if that is not
/// enough, forgets every window (open counts are bounded by --max-clients).
fn prune(table: &mut HashMap<AddressKey, Entry>, now: Instant) {
    table.retain(|_, entry| entry.open > 0 || entry.full_at.is_some_and(|at| at > now));
    if table.len() >= MAX_TRACKED / 2 {
        table.retain(|_, entry| entry.open > 0);
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut table = self.limits.lock();
        if let Some(entry) = table.get_mut(&key) {
            entry.open = entry.open.saturating_sub(1);
        }
    }
}

/// Reads `CIDR,CIDR,...` (a bare address is a single host) or `none`.
pub fn parse_cidrs(text: &str) -> Result<Vec<IpNet>, String> {
    if text.trim() == "none" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|part| parse_cidr(part.trim()))
        .collect()
}

fn parse_cidr(text: &str) -> Result<IpNet, String> {
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    text.parse::<IpAddr>().map(IpNet::from).map_err(|_| {
        format!("'{text}' is not an address or CIDR range; write it like 10.0.0.0/8 or ::1")
    })
}

/// `CIDR,CIDR,...` as [`parse_cidrs`] reads it (`none` for an empty list).
pub fn format_cidrs(nets: &[IpNet]) -> String {
    if nets.is_empty() {
        return "none".to_owned();
    }
    let shown: Vec<String> = nets
        .iter()
        .map(|net| match net.prefix_len() == net.max_prefix_len() {
            true => net.addr().to_string(),
            false => net.to_string(),
        })
        .collect();
    shown.join(",")
}

#[cfg(test)]
#[path = "limits_tests.rs"]
mod tests;
