//! `QueueHistogram`: client queue depths, counted with relaxed atomic
//! adds. prometheus-client's own histogram takes a mutex per observation;
//! this one is fed once per delivery, on the room's hot path, so its
//! buckets are plain atomics, and a broadcast adds a whole [`PushTally`]
//! at once. The crate's encoder still writes it out.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

use crate::server::outbox::Push;

/// Upper bounds 1, 2, 4, ... 2^(BOUNDS-1) lines, then +Inf.
const BOUNDS: usize = 17;

/// A histogram of queue depths with power-of-two buckets.
#[derive(Clone, Debug, Default)]
pub struct QueueHistogram {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Per bucket (not cumulative); the last is +Inf.
    buckets: [AtomicU64; BOUNDS + 1],
    sum: AtomicU64,
}

impl QueueHistogram {
    /// Counts one queue of `depth` lines.
    pub fn observe(&self, depth: usize) {
        let depth = u64::try_from(depth).unwrap_or(u64::MAX);
        let inner = &self.inner;
        inner.buckets[bucket(depth)].fetch_add(1, Ordering::Relaxed);
        inner.sum.fetch_add(depth, Ordering::Relaxed);
    }

    /// Observations so far.
    #[cfg(test)]
    pub fn count(&self) -> u64 {
        let buckets = &self.inner.buckets;
        buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }
}

/// Pushes of one broadcast, counted in plain integers and added to the
/// metrics once, after the line went to every member.
#[derive(Debug, Default)]
pub struct PushTally {
    pub(super) queued: u64,
    pub(super) skipped: u64,
    depth_sum: u64,
    buckets: [u64; BOUNDS + 1],
}

impl PushTally {
    /// Counts one push that left a queue `depth` lines deep.
    pub fn add(&mut self, push: Push, depth: usize) {
        match push {
            Push::Queued => {
                let depth = u64::try_from(depth).unwrap_or(u64::MAX);
                self.queued += 1;
                self.depth_sum = self.depth_sum.saturating_add(depth);
                self.buckets[bucket(depth)] += 1;
            }
            Push::Skipped => self.skipped += 1,
            // Not queued, and no skip to tell: the connection is closing.
            Push::Closed | Push::Overflow => {}
        }
    }
}

impl QueueHistogram {
    /// Adds the depths of a tally.
    pub fn add(&self, tally: &PushTally) {
        let inner = &self.inner;
        for (bucket, &count) in inner.buckets.iter().zip(&tally.buckets) {
            if count > 0 {
                bucket.fetch_add(count, Ordering::Relaxed);
            }
        }
        inner.sum.fetch_add(tally.depth_sum, Ordering::Relaxed);
    }
}

/// The bucket of `depth`: the smallest power of two at least `depth`.
fn bucket(depth: u64) -> usize {
    let bits = u64::BITS - depth.saturating_sub(1).leading_zeros();
    usize::try_from(bits).map_or(BOUNDS, |bits| bits.min(BOUNDS))
}

impl TypedMetric for QueueHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for QueueHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let counts = self.inner.buckets.iter().map(|b| b.load(Ordering::Relaxed));
        let bounds = (0..BOUNDS)
            .map(|power| f64::from(1u32 << power))
            .chain([f64::INFINITY]);
        let buckets: Vec<(f64, u64)> = bounds.zip(counts).collect();
        let count = buckets.iter().map(|(_, n)| n).sum();
        let sum = self.inner.sum.load(Ordering::Relaxed) as f64;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depths_fall_into_power_of_two_buckets() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(1), 0);
        assert_eq!(bucket(2), 1);
        assert_eq!(bucket(3), 2);
        assert_eq!(bucket(4), 2);
        assert_eq!(bucket(5), 3);
        assert_eq!(bucket(1 << 16), 16);
        assert_eq!(bucket((1 << 16) + 1), BOUNDS);
        assert_eq!(bucket(u64::MAX), BOUNDS);
    }

    #[test]
    fn a_tally_adds_what_single_observations_would() {
        let single = QueueHistogram::default();
        let tallied = QueueHistogram::default();
        let mut tally = PushTally::default();
        for depth in [1, 3, 3, 900, 1 << 20] {
            single.observe(depth);
            tally.add(Push::Queued, depth);
        }
        tally.add(Push::Skipped, 7);
        tally.add(Push::Closed, 0);
        tallied.add(&tally);
        assert_eq!((tally.queued, tally.skipped), (5, 1));
        let sums = |h: &QueueHistogram| h.inner.sum.load(Ordering::Relaxed);
        assert_eq!(sums(&single), sums(&tallied));
        let counts = |h: &QueueHistogram| {
            let buckets = h.inner.buckets.iter();
            buckets
                .map(|b| b.load(Ordering::Relaxed))
                .collect::<Vec<_>>()
        };
        assert_eq!(counts(&single), counts(&tallied));
    }

    #[test]
    fn encodes_as_a_histogram() {
        let histogram = QueueHistogram::default();
        histogram.observe(1);
        histogram.observe(3);
        let mut registry = prometheus_client::registry::Registry::default();
        registry.register("queue_lines", "depth", histogram.clone());
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encodes");
        assert!(text.contains("queue_lines_count 2\n"), "{text}");
        assert!(text.contains("queue_lines_sum 4.0\n"), "{text}");
        assert!(
            text.contains("queue_lines_bucket{le=\"4.0\"} 2\n"),
            "{text}"
        );
        assert_eq!(histogram.count(), 2);
    }
}
