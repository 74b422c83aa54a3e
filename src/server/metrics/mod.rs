//! The server's metrics, exposed in the Prometheus text format at
//! `/metrics` when `--metrics HOST:PORT` is given.
//!
//! Every value is an atomic inside prometheus-client's types (or our own
//! [`QueueHistogram`]), so counting never takes a lock on room state. On
//! the hot path, a broadcast counts its pushes in a plain [`PushTally`]
//! and adds it with a few relaxed atomic adds once per line, when it is
//! also timed; a delivery costs no atomic operation of its own. The
//! exposition text comes from the crate's encoder, not from us.

mod http;
mod queue;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

pub use http::serve;

use crate::protocol::ByeReason;
use crate::server::outbox::Push;
pub use queue::{PushTally, QueueHistogram};

/// What the room, the connections and the outboxes count.
#[derive(Debug)]
pub struct Metrics {
    started: Instant,
    /// Members in the room.
    pub members: Gauge,
    /// Open client connections, members or not.
    pub connections: Gauge,
    /// Lines read from joined clients.
    pub lines_received: Counter,
    /// Lines queued for a client.
    pub deliveries: Counter,
    /// Lines skipped because a client's queue was full.
    pub skipped: Counter,
    disconnects: Family<Disconnect, Counter>,
    /// Time readers spent not reading because of flood control.
    pub flood_throttled: Counter<f64, AtomicU64>,
    /// Time to queue one room line for every member.
    pub broadcast: Histogram,
    /// Depth of a client's queue right after a push.
    pub queue_lines: QueueHistogram,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Disconnect {
    reason: &'static str,
}

/// Disconnect reasons shown from the start (at 0), so that rates over
/// them work before the first one happens.
const COMMON_REASONS: [&str; 8] = [
    "closed",
    "idle",
    "too slow",
    "quit",
    "login timeout",
    "server shutting down",
    "server full",
    "too many connections",
];

impl Default for Metrics {
    fn default() -> Self {
        let disconnects = Family::<Disconnect, Counter>::default();
        for reason in COMMON_REASONS {
            let _ = disconnects.get_or_create(&Disconnect { reason });
        }
        Metrics {
            started: Instant::now(),
            members: Gauge::default(),
            connections: Gauge::default(),
            lines_received: Counter::default(),
            deliveries: Counter::default(),
            skipped: Counter::default(),
            disconnects,
            flood_throttled: Counter::default(),
            // 1 µs to about 1 s.
            broadcast: Histogram::new(exponential_buckets(1e-6, 4.0, 11)),
            queue_lines: QueueHistogram::default(),
        }
    }
}

impl Metrics {
    /// A registry that exposes these metrics (it holds clones of the
    /// same atomics).
    pub fn registry(&self) -> Registry {
        let mut registry = Registry::with_prefix("chatty");
        let r = &mut registry;
        r.register("members", "Members in the room", self.members.clone());
        r.register(
            "connections",
            "Open client connections",
            self.connections.clone(),
        );
        r.register(
            "lines_received",
            "Lines read from joined clients",
            self.lines_received.clone(),
        );
        r.register(
            "deliveries",
            "Lines queued for a client",
            self.deliveries.clone(),
        );
        r.register(
            "skipped_lines",
            "Lines skipped for a full client queue",
            self.skipped.clone(),
        );
        r.register(
            "disconnects",
            "Connections closed, by reason",
            self.disconnects.clone(),
        );
        r.register(
            "flood_throttled_seconds",
            "Time readers paused for flood control",
            self.flood_throttled.clone(),
        );
        r.register(
            "broadcast_seconds",
            "Time to queue one room line for every member",
            self.broadcast.clone(),
        );
        r.register(
            "queue_lines",
            "Client queue depth right after a push",
            self.queue_lines.clone(),
        );
        registry
    }

    /// A connection ended for `reason` (a bye reason, or `closed` when
    /// the client went away).
    pub fn disconnect(&self, reason: &'static str) {
        self.disconnects.get_or_create(&Disconnect { reason }).inc();
    }

    /// A connection was closed with this bye.
    pub fn bye(&self, reason: &ByeReason) {
        self.disconnect(match reason {
            ByeReason::Idle => "idle",
            ByeReason::TooSlow => "too slow",
            ByeReason::Quit => "quit",
            ByeReason::ShuttingDown => "server shutting down",
            ByeReason::LoginTimeout => "login timeout",
            ByeReason::ServerFull => "server full",
            ByeReason::TooManyConnections => "too many connections",
            ByeReason::ResumedElsewhere => "resumed elsewhere",
            ByeReason::Kicked(_) => "kicked",
            ByeReason::Banned(_) => "banned",
            ByeReason::Other(_) => "other",
        });
    }

    /// Counts one push outside a broadcast.
    pub fn count_push(&self, push: Push, depth: usize) {
        match push {
            Push::Queued => {
                self.deliveries.inc();
                self.queue_lines.observe(depth);
            }
            Push::Skipped => {
                self.skipped.inc();
            }
            // Not queued, and no skip to tell: the connection is closing.
            Push::Closed | Push::Overflow => {}
        }
    }

    /// Adds one broadcast's pushes and the time it took.
    pub fn count_broadcast(&self, tally: &PushTally, took: Duration) {
        self.deliveries.inc_by(tally.queued);
        self.skipped.inc_by(tally.skipped);
        self.queue_lines.add(tally);
        self.broadcast.observe(took.as_secs_f64());
    }

    /// How long the server has been up.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Counts an open connection until the guard is dropped.
    pub fn open_connection(self: &Arc<Self>) -> OpenConnection {
        self.connections.inc();
        OpenConnection(self.clone())
    }

    /// Adds a flood-control pause.
    pub fn throttled(&self, paused: Duration) {
        self.flood_throttled.inc_by(paused.as_secs_f64());
    }
}

/// One open connection in `chatty_connections`.
#[derive(Debug)]
pub struct OpenConnection(Arc<Metrics>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connections.dec();
    }
}
