//! `Outbox`: the bounded queue of lines waiting for one client's socket.
//!
//! The room pushes without ever waiting: when the queue holds `--queue`
//! lines or `--queue-bytes` bytes, the line is skipped and counted instead,
//! and the writer tells the client `-- N messages skipped` once the queue
//! has drained (exercise 8.15: a slow reader never blocks anyone). One slot
//! beyond the bound is kept for the final `-- bye (...)`, so it always fits.
//!
//! The queue is a `VecDeque` behind a mutex that only the pushing side and
//! this client's writer take, each for a few instructions: an idle client's
//! queue holds no memory at all, and the writer is woken only when its
//! queue goes from empty to non-empty (it drains everything before it waits
//! again), not once per line.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use tokio::sync::Notify;

/// A queue that has drained completely gives its memory back once it has
/// grown past this many lines.
const KEEP_LINES: usize = 32;

/// The sending end, held by whoever speaks to the client: the login task,
/// then the room. Dropping it (after [`Outbox::push_last`]) lets the writer
/// flush and close.
#[derive(Debug)]
pub struct Outbox {
    shared: Arc<Shared>,
    max_lines: usize,
    max_bytes: usize,
}

/// The receiving end, drained by the client's writer.
#[derive(Debug)]
pub struct OutboxReceiver {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when the queue stops being empty or the sender is gone.
    ready: Notify,
}

#[derive(Debug, Default)]
struct State {
    lines: VecDeque<Bytes>,
    bytes: usize,
    skipped: u64,
    /// The final line (the bye) is queued: nothing may follow it.
    last_queued: bool,
    sender_gone: bool,
    receiver_gone: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What became of a pushed line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Push {
    Queued,
    /// The queue was full; the line was counted as skipped.
    Skipped,
    /// The writer is gone (the connection is closing).
    Closed,
}

/// A new outbox bounded to `max_lines` lines and `max_bytes` bytes.
pub fn outbox(max_lines: usize, max_bytes: usize) -> (Outbox, OutboxReceiver) {
    let shared = Arc::new(Shared::default());
    let outbox = Outbox {
        shared: shared.clone(),
        max_lines,
        max_bytes,
    };
    (outbox, OutboxReceiver { shared })
}

impl Outbox {
    /// Queues a line without waiting; skips it when the queue is full.
    pub fn push(&self, line: Bytes) -> Push {
        let mut state = self.shared.lock();
        if state.receiver_gone {
            return Push::Closed;
        }
        if state.lines.len() >= self.max_lines || state.bytes + line.len() > self.max_bytes {
            state.skipped += 1;
            return Push::Skipped;
        }
        let was_empty = state.lines.is_empty();
        state.bytes += line.len();
        state.lines.push_back(line);
        drop(state);
        if was_empty {
            self.shared.ready.notify_one();
        }
        Push::Queued
    }

    /// Queues the final line (a bye) in the slot kept for it, then closes.
    pub fn push_last(self, line: Bytes) {
        let mut state = self.shared.lock();
        // When the writer is gone nobody can read it anyway.
        if !state.receiver_gone {
            state.bytes += line.len();
            state.lines.push_back(line);
        }
        state.last_queued = true;
        // Dropping `self` wakes the writer.
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.shared.lock().sender_gone = true;
        self.shared.ready.notify_one();
    }
}

impl Drop for OutboxReceiver {
    fn drop(&mut self) {
        self.shared.lock().receiver_gone = true;
    }
}

impl OutboxReceiver {
    /// Waits for lines and moves up to `limit` of them into `batch`.
    /// Returns 0 once the sender is gone and the queue is empty.
    /// Cancel-safe: lines are only taken when it returns.
    pub async fn recv_batch(&mut self, batch: &mut Vec<Bytes>, limit: usize) -> usize {
        loop {
            {
                let mut state = self.shared.lock();
                if !state.lines.is_empty() {
                    return take(&mut state, batch, limit);
                }
                if state.sender_gone {
                    return 0;
                }
            }
            self.shared.ready.notified().await;
        }
    }

    /// Once the queue is empty: how many lines were skipped since the last
    /// call (zero while lines still wait, so the count comes after them).
    pub fn take_skipped(&self) -> u64 {
        let mut state = self.shared.lock();
        if !state.lines.is_empty() {
            return 0;
        }
        std::mem::take(&mut state.skipped)
    }

    /// Takes every line queued right now, without waiting (for tests and
    /// tools that inspect a queue).
    pub fn take_queued(&mut self) -> Vec<Bytes> {
        let mut lines = Vec::new();
        let mut state = self.shared.lock();
        take(&mut state, &mut lines, usize::MAX);
        lines
    }

    /// Whether every sender is gone (the room let go of this client).
    pub fn is_closed(&self) -> bool {
        self.shared.lock().sender_gone
    }

    /// Whether the last line received was the final one (the bye), so a
    /// skipped count must go before it.
    pub fn got_last(&self) -> bool {
        let state = self.shared.lock();
        state.lines.is_empty() && state.last_queued
    }
}

/// Moves up to `limit` lines from the queue into `batch`.
fn take(state: &mut State, batch: &mut Vec<Bytes>, limit: usize) -> usize {
    let count = state.lines.len().min(limit);
    batch.reserve(count);
    let mut bytes = 0;
    for line in state.lines.drain(..count) {
        bytes += line.len();
        batch.push(line);
    }
    state.bytes -= bytes;
    if state.lines.is_empty() && state.lines.capacity() > KEEP_LINES {
        state.lines = VecDeque::new();
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Bytes {
        Bytes::from(text.to_owned())
    }

    #[tokio::test]
    async fn full_queue_skips_and_counts() {
        let (outbox, mut receiver) = outbox(2, 1000);
        assert_eq!(outbox.push(line("a\n")), Push::Queued);
        assert_eq!(outbox.push(line("b\n")), Push::Queued);
        assert_eq!(outbox.push(line("c\n")), Push::Skipped);
        assert_eq!(outbox.push(line("d\n")), Push::Skipped);
        assert_eq!(receiver.take_skipped(), 0, "lines still wait");
        let mut batch = Vec::new();
        assert_eq!(receiver.recv_batch(&mut batch, 10).await, 2);
        assert_eq!(receiver.take_skipped(), 2);
        assert_eq!(receiver.take_skipped(), 0);
    }

    #[tokio::test]
    async fn byte_bound_skips_too() {
        let (outbox, mut receiver) = outbox(100, 10);
        assert_eq!(outbox.push(line("12345678\n")), Push::Queued);
        assert_eq!(outbox.push(line("xy\n")), Push::Skipped);
        let mut batch = Vec::new();
        receiver.recv_batch(&mut batch, 10).await;
        assert_eq!(
            outbox.push(line("xy\n")),
            Push::Queued,
            "bytes are released"
        );
    }

    #[tokio::test]
    async fn the_bye_always_fits_and_closes() {
        let (outbox, mut receiver) = outbox(1, 1000);
        outbox.push(line("a\n"));
        assert_eq!(outbox.push(line("b\n")), Push::Skipped);
        outbox.push_last(line("-- bye (quit)\n"));
        let mut batch = Vec::new();
        assert_eq!(receiver.recv_batch(&mut batch, 10).await, 2);
        assert_eq!(batch[1], line("-- bye (quit)\n"));
        assert_eq!(receiver.recv_batch(&mut batch, 10).await, 0, "closed");
    }

    #[test]
    fn push_to_a_gone_writer_is_closed() {
        let (outbox, receiver) = outbox(4, 1000);
        drop(receiver);
        assert_eq!(outbox.push(line("a\n")), Push::Closed);
    }
}
