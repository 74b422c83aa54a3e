//! Throttling `/oper`: after [`MAX_TRIES`] wrong tries from one address
//! within [`WINDOW`], further tries are refused without checking, so a
//! password cannot be guessed quickly (and reconnecting does not help).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Wrong tries allowed per address per window.
pub const MAX_TRIES: usize = 3;
/// The window wrong tries are counted in.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses tracked at once; past it, tries are refused until old
/// entries expire, so memory stays bounded under a spread-out attack.
const MAX_ADDRESSES: usize = 4096;

/// Recent wrong tries per address. A try counts as wrong from the moment
/// it starts until its check says otherwise, so parallel tries cannot
/// get past the limit.
#[derive(Debug, Default)]
pub struct Tries {
    wrong: HashMap<IpAddr, VecDeque<Instant>>,
}

impl Tries {
    /// Starts a try from `addr` if it is allowed now; `false` means
    /// "too many tries".
    pub fn start(&mut self, addr: IpAddr, now: Instant) -> bool {
        if self.wrong.len() >= MAX_ADDRESSES && !self.wrong.contains_key(&addr) {
            self.forget_old(now);
            if self.wrong.len() >= MAX_ADDRESSES {
                return false;
            }
        }
        let tries = self.wrong.entry(addr).or_default();
        while tries
            .front()
            .is_some_and(|&at| now.duration_since(at) >= WINDOW)
        {
            tries.pop_front();
        }
        if tries.len() >= MAX_TRIES {
            return false;
        }
        tries.push_back(now);
        true
    }

    /// The try was right: the address starts afresh.
    pub fn succeeded(&mut self, addr: IpAddr) {
        self.wrong.remove(&addr);
    }

    fn forget_old(&mut self, now: Instant) {
        self.wrong.retain(|_, tries| {
            tries
                .back()
                .is_some_and(|&at| now.duration_since(at) < WINDOW)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_wrong_tries_a_minute() {
        let mut tries = Tries::default();
        let addr: IpAddr = "203.0.113.7".parse().expect("addr");
        let other: IpAddr = "203.0.113.8".parse().expect("addr");
        let t0 = Instant::now();
        for _ in 0..MAX_TRIES {
            assert!(tries.start(addr, t0));
        }
        assert!(!tries.start(addr, t0 + Duration::from_secs(59)));
        assert!(tries.start(other, t0), "another address is not held up");
        assert!(tries.start(addr, t0 + WINDOW), "a minute later");
        tries.succeeded(addr);
        for _ in 0..MAX_TRIES {
            assert!(tries.start(addr, t0 + WINDOW));
        }
    }
}
