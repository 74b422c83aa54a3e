//! `Outbox`: the bounded queue of lines waiting for one client's socket.
//!
//! The room pushes without ever waiting: when the queue holds `--queue`
//! lines or `--queue-bytes` bytes, the line is skipped and counted instead,
//! and the writer tells the client `-- N messages skipped` once the queue
//! has drained (exercise 8.15: a slow reader never blocks anyone). One slot
//! beyond the bound is kept for the final `-- bye (...)`, so it always fits.
//!
//! Bytes count against the bound until the writer has written them, so the
//! writer's own batch is inside the bound too.
//!
//! The queue is a `VecDeque` behind a mutex that only the pushing side and
//! this client's writer take, each for a few instructions: an idle client's
//! queue holds no memory at all, and the writer is woken only when its
//! queue goes from empty to non-empty or a first skip is counted (it
//! drains everything before it waits again), not once per line.

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
    /// Signalled when the queue stops being empty, a skip is counted (so
    /// the count is told even if no other line follows) or the sender is
    /// gone.
    ready: Notify,
}

#[derive(Debug, Default)]
struct State {
    lines: VecDeque<Bytes>,
    /// Queued or being written: released by the writer once written.
    bytes: usize,
    skipped: u64,
    /// Lines ever queued, and ever written (a resume starts after the
    /// last line written).
    queued_total: u64,
    written_total: u64,
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

/// What the writer found waiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// This many lines were moved into the batch (maybe 0: only skips).
    Lines(usize),
    /// Every sender is gone and the queue is empty.
    Closed,
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
    /// A line always fits an empty queue, however long.
    pub fn push(&self, line: Bytes) -> Push {
        let mut state = self.shared.lock();
        if state.receiver_gone {
            return Push::Closed;
        }
        let too_many_bytes = state.bytes > 0 && state.bytes + line.len() > self.max_bytes;
        if state.lines.len() >= self.max_lines || too_many_bytes {
            state.skipped += 1;
            let first = state.skipped == 1;
            drop(state);
            if first {
                self.shared.ready.notify_one();
            }
            return Push::Skipped;
        }
        let was_empty = state.lines.is_empty();
        state.queued_total += 1;
        state.bytes += line.len();
        state.lines.push_back(line);
        drop(state);
        if was_empty {
            self.shared.ready.notify_one();
        }
        Push::Queued
    }

    /// Lines and bytes that can still be queued before lines are skipped.
    pub fn room_left(&self) -> (usize, usize) {
        let state = self.shared.lock();
        let lines = self.max_lines.saturating_sub(state.lines.len());
        (lines, self.max_bytes.saturating_sub(state.bytes))
    }

    /// Lines ever queued and lines ever written, in that order.
    pub fn counts(&self) -> (u64, u64) {
        let state = self.shared.lock();
        (state.queued_total, state.written_total)
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
    /// Waits for lines (or a skip to tell) and moves up to `limit` lines
    /// into `batch`. Their bytes still count until [`Self::release`].
    /// Cancel-safe: lines are only taken when it returns.
    pub async fn recv_batch(&mut self, batch: &mut Vec<Bytes>, limit: usize) -> Received {
        loop {
            {
                let mut state = self.shared.lock();
                if !state.lines.is_empty() {
                    return Received::Lines(take(&mut state, batch, limit));
                }
                if state.sender_gone {
                    return Received::Closed;
                }
                if state.skipped > 0 {
                    return Received::Lines(0);
                }
            }
            self.shared.ready.notified().await;
        }
    }

    /// Frees `bytes` of the bound once `lines` queued lines (holding
    /// them) are written.
    pub fn release(&self, bytes: usize, lines: usize) {
        let mut state = self.shared.lock();
        state.bytes = state.bytes.saturating_sub(bytes);
        state.written_total += lines as u64;
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

    /// Takes every line queued right now, without waiting, as a writer
    /// that wrote them (for tests and tools that inspect a queue).
    pub fn take_queued(&mut self) -> Vec<Bytes> {
        let mut lines = Vec::new();
        let mut state = self.shared.lock();
        take(&mut state, &mut lines, usize::MAX);
        let bytes: usize = lines.iter().map(Bytes::len).sum();
        state.bytes = state.bytes.saturating_sub(bytes);
        state.written_total += lines.len() as u64;
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

/// Moves up to `limit` lines from the queue into `batch` (their bytes
/// still count until released).
fn take(state: &mut State, batch: &mut Vec<Bytes>, limit: usize) -> usize {
    let count = state.lines.len().min(limit);
    batch.reserve(count);
    batch.extend(state.lines.drain(..count));
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
        let received = receiver.recv_batch(&mut batch, 10).await;
        assert_eq!(received, Received::Lines(2));
        assert_eq!(receiver.take_skipped(), 2);
        assert_eq!(receiver.take_skipped(), 0);
    }

    #[tokio::test]
    async fn byte_bound_skips_until_written() {
        let (outbox, mut receiver) = outbox(100, 10);
        assert_eq!(outbox.push(line("12345678\n")), Push::Queued);
        assert_eq!(outbox.push(line("xy\n")), Push::Skipped);
        let mut batch = Vec::new();
        receiver.recv_batch(&mut batch, 10).await;
        assert_eq!(
            outbox.push(line("xy\n")),
            Push::Skipped,
            "held until written"
        );
        receiver.release(9, 1);
        assert_eq!(
            outbox.push(line("xy\n")),
            Push::Queued,
            "bytes are released"
        );
    }

    #[tokio::test]
    async fn a_line_longer_than_the_byte_bound_fits_an_empty_queue() {
        let (outbox, mut receiver) = outbox(100, 4);
        assert_eq!(outbox.push(line("0123456789\n")), Push::Queued);
        assert_eq!(outbox.push(line("x\n")), Push::Skipped);
        let mut batch = Vec::new();
        let received = receiver.recv_batch(&mut batch, 10).await;
        assert_eq!(received, Received::Lines(1));
    }

    #[tokio::test]
    async fn a_skip_wakes_a_waiting_writer() {
        let (outbox, mut receiver) = outbox(10, 2);
        outbox.push(line("a\n"));
        let mut batch = Vec::new();
        let received = receiver.recv_batch(&mut batch, 10).await;
        assert_eq!(received, Received::Lines(1));
        // The writer still holds "a" (its bytes count) when a skip happens,
        // then waits on an empty queue: the skip must wake it.
        assert_eq!(outbox.push(line("b\n")), Push::Skipped);
        receiver.release(2, 1);
        let received = receiver.recv_batch(&mut batch, 10).await;
        assert_eq!(received, Received::Lines(0));
        assert_eq!(receiver.take_skipped(), 1);
    }

    #[tokio::test]
    async fn the_bye_always_fits_and_closes() {
        let (outbox, mut receiver) = outbox(1, 1000);
        outbox.push(line("a\n"));
        assert_eq!(outbox.push(line("b\n")), Push::Skipped);
        outbox.push_last(line("-- bye (quit)\n"));
        let mut batch = Vec::new();
        let received = receiver.recv_batch(&mut batch, 10).await;
        assert_eq!(received, Received::Lines(2));
        assert_eq!(batch[1], line("-- bye (quit)\n"));
        let received = receiver.recv_batch(&mut batch, 10).await;
        assert_eq!(received, Received::Closed);
    }

    #[test]
    fn push_to_a_gone_writer_is_closed() {
        let (outbox, receiver) = outbox(4, 1000);
        drop(receiver);
        assert_eq!(outbox.push(line("a\n")), Push::Closed);
    }
}
