//! Flood control: a token bucket per client. The reader asks it before
//! taking each line; when it is empty the reader simply waits, so the
//! kernel's buffers fill and TCP slows the sender down. Nothing is dropped.
//!
//! Replies are charged too: every [`REPLY_BYTES_PER_LINE`] bytes the server
//! sends back in reply to a client's own lines cost one more line, so a
//! 7-byte `/names` that buys a 400 KB roster waits as 400 lines would.

use std::time::Duration;

use tokio::time::Instant;

/// Reply bytes that cost as much as one line.
pub const REPLY_BYTES_PER_LINE: u64 = 1024;

/// `rate` lines per second after a burst of `burst` lines.
#[derive(Debug)]
pub struct TokenBucket {
    per_line: Option<Duration>,
    burst: u32,
    /// When the bucket would be full again; `None` while it is full.
    full_at: Option<Instant>,
}

impl TokenBucket {
    /// A bucket; `rate` 0 means no limit.
    pub fn new(rate: u32, burst: usize) -> TokenBucket {
        TokenBucket {
            per_line: (rate > 0).then(|| Duration::from_secs(1) / rate),
            burst: u32::try_from(burst).unwrap_or(u32::MAX).max(1),
            full_at: None,
        }
    }

    /// How long to wait before the next line may be taken.
    pub fn wait(&self, now: Instant) -> Duration {
        let (Some(per_line), Some(full_at)) = (self.per_line, self.full_at) else {
            return Duration::ZERO;
        };
        // Lines are allowed while the debt is at most burst - 1 lines.
        let allowed_debt = per_line * (self.burst - 1);
        full_at
            .saturating_duration_since(now)
            .saturating_sub(allowed_debt)
    }

    /// Takes one line's token (call when `wait` is zero).
    pub fn take(&mut self, now: Instant) {
        if let Some(per_line) = self.per_line {
            self.owe(now, per_line);
        }
    }

    /// Charges `bytes` of replies: a line's worth per
    /// [`REPLY_BYTES_PER_LINE`], fractions included.
    pub fn charge_reply(&mut self, now: Instant, bytes: usize) {
        let Some(per_line) = self.per_line else {
            return;
        };
        if bytes == 0 {
            return;
        }
        let nanos = per_line.as_nanos() * bytes as u128 / u128::from(REPLY_BYTES_PER_LINE);
        let cost = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
        self.owe(now, cost);
    }

    /// Adds `cost` to the debt that refills by `full_at`.
    fn owe(&mut self, now: Instant, cost: Duration) {
        let from = self.full_at.filter(|&at| at > now).unwrap_or(now);
        self.full_at = Some(
            from.checked_add(cost)
                .unwrap_or(from + Duration::from_secs(86_400)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10, 3);
        for _ in 0..3 {
            assert_eq!(bucket.wait(start), Duration::ZERO);
            bucket.take(start);
        }
        assert_eq!(bucket.wait(start), Duration::from_millis(100));
        let later = start + Duration::from_millis(100);
        assert_eq!(bucket.wait(later), Duration::ZERO);
        bucket.take(later);
        assert_eq!(bucket.wait(later), Duration::from_millis(100));
    }

    #[test]
    fn refills_when_quiet() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10, 2);
        bucket.take(start);
        bucket.take(start);
        let later = start + Duration::from_secs(5);
        bucket.take(later);
        assert_eq!(bucket.wait(later), Duration::ZERO);
    }

    #[test]
    fn replies_cost_lines_by_their_bytes() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10, 3);
        bucket.take(start);
        bucket.charge_reply(start, 100);
        assert_eq!(bucket.wait(start), Duration::ZERO, "a short reply is cheap");
        // A 40 KiB roster costs 40 lines: 4 s at 10 lines a second,
        // less the burst's two lines still free.
        bucket.charge_reply(start, 40 * 1024);
        let wait = bucket.wait(start);
        let expected = Duration::from_millis(100 + 4000 + 10 - 200);
        assert!(
            wait.abs_diff(expected) < Duration::from_millis(1),
            "{wait:?}"
        );
    }

    #[test]
    fn zero_rate_never_waits() {
        let now = Instant::now();
        let mut bucket = TokenBucket::new(0, 1);
        for _ in 0..100 {
            bucket.take(now);
        }
        assert_eq!(bucket.wait(now), Duration::ZERO);
    }
}
