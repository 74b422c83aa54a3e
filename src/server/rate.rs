//! Flood control: a token bucket per client. The reader asks it before
//! taking each line; when it is empty the reader simply waits, so the
//! kernel's buffers fill and TCP slows the sender down. Nothing is dropped.

use std::time::Duration;

use tokio::time::Instant;

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
        let Some(per_line) = self.per_line else {
            return;
        };
        let from = self.full_at.filter(|&at| at > now).unwrap_or(now);
        self.full_at = Some(from + per_line);
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
    fn zero_rate_never_waits() {
        let now = Instant::now();
        let mut bucket = TokenBucket::new(0, 1);
        for _ in 0..100 {
            bucket.take(now);
        }
        assert_eq!(bucket.wait(now), Duration::ZERO);
    }
}
