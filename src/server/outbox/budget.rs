//! The global budget: one bound for the bytes held by every outbox
//! together, so thousands of slow readers cannot add up to more memory
//! than `--queue-budget`, whatever each queue's own bound allows.
//!
//! Up to half the budget every queue follows its own bounds. Beyond
//! that, room lines for the largest queues (those holding at least
//! the mean of the queues that hold anything) are skipped first, so the
//! slow readers pay and the rest still get their lines; at the budget
//! every room line is skipped. Replies and byes are counted but never
//! refused here: their own reserve bounds them.

use std::sync::Arc;

use super::brake::Brake;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes held by all outboxes, against a limit. Shared by every outbox.
#[derive(Debug)]
pub struct Budget {
    limit: usize,
    held: AtomicUsize,
    /// Outboxes holding at least one byte.
    busy: AtomicUsize,
    /// Pressed by queues past half their bound (see [`Brake`]).
    brake: Arc<Brake>,
}

impl Budget {
    /// A budget of `limit` bytes for all queues together.
    pub fn new(limit: usize) -> Arc<Budget> {
        Arc::new(Budget {
            limit,
            held: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
            brake: Arc::default(),
        })
    }

    /// The brake the room checks before it takes a request.
    pub fn brake(&self) -> &Arc<Brake> {
        &self.brake
    }

    /// A budget that never refuses (for tests and tools).
    pub fn unlimited() -> Arc<Budget> {
        Budget::new(usize::MAX)
    }

    /// Bytes held by all outboxes now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    /// Whether a room line of `bytes` may join a queue holding `queued`.
    pub(super) fn admits(&self, queued: usize, bytes: usize) -> bool {
        let after = self.held().saturating_add(bytes);
        if after <= self.limit / 2 {
            return true;
        }
        if after > self.limit {
            return false;
        }
        let busy = self.busy.load(Ordering::Relaxed).max(1);
        queued < self.held() / busy
    }

    /// A queue that held `before` bytes now holds `bytes` more.
    pub(super) fn add(&self, before: usize, bytes: usize) {
        if bytes == 0 {
            return;
        }
        if before == 0 {
            self.busy.fetch_add(1, Ordering::Relaxed);
        }
        self.held.fetch_add(bytes, Ordering::Relaxed);
    }

    /// A queue gave back `bytes` and now holds `after`.
    pub(super) fn sub(&self, bytes: usize, after: usize) {
        if bytes == 0 {
            return;
        }
        if after == 0 {
            self.busy.fetch_sub(1, Ordering::Relaxed);
        }
        self.held.fetch_sub(bytes, Ordering::Relaxed);
    }
}
