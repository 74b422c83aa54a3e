//! The receiving side of an outbox: the writer's end, and the reader's
//! meter of what its replies cost.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;

use super::{KEEP_LINES, Shared, State, held};

/// What the writer found waiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// This many lines were moved into the batch (maybe 0: only skips).
    Lines(usize),
    /// Every sender is gone and the queue is empty.
    Closed,
}

/// The receiving end, drained by the client's writer.
#[derive(Debug)]
pub struct OutboxReceiver {
    pub(super) shared: Arc<Shared>,
}

/// What the client's replies cost: read by its reader, which charges
/// them to flood control, so a short command that buys a long reply
/// (`/names` in a large room) slows the client down by what it buys.
#[derive(Debug)]
pub struct ReplyMeter {
    shared: Arc<Shared>,
}

impl ReplyMeter {
    /// Bytes of replies queued since the last call.
    pub fn take(&self) -> usize {
        std::mem::take(&mut self.shared.lock().uncharged)
    }
}

impl Drop for OutboxReceiver {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.receiver_gone = true;
        self.shared.maybe_ease(&mut state);
    }
}

impl OutboxReceiver {
    /// The meter of this client's replies, for its reader.
    pub fn meter(&self) -> ReplyMeter {
        ReplyMeter {
            shared: self.shared.clone(),
        }
    }

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

    /// Frees `bytes` (as [`held`] counts them) once the `lines` queued
    /// lines holding them are written.
    pub fn release(&self, bytes: usize, lines: usize) {
        let mut state = self.shared.lock();
        state.release(bytes, &self.shared.budget);
        state.written += lines as u64;
        self.shared.maybe_ease(&mut state);
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
        let bytes: usize = lines.iter().map(held).sum();
        state.release(bytes, &self.shared.budget);
        state.written += lines.len() as u64;
        self.shared.maybe_ease(&mut state);
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
    let next = state.pushed - state.lines.len() as u64;
    while let Some(&(at, bytes)) = state.replies.front() {
        if at >= next {
            break;
        }
        state.replies.pop_front();
        state.reply_bytes = state.reply_bytes.saturating_sub(bytes);
    }
    if state.replies.is_empty() && state.replies.capacity() > KEEP_LINES {
        state.replies = VecDeque::new();
    }
    if state.lines.is_empty() && state.lines.capacity() > KEEP_LINES {
        state.lines = VecDeque::new();
    }
    count
}
