//! `Outbox`: the bounded queue of lines waiting for one client's socket.
//!
//! The room pushes without ever waiting: when the queue holds `--queue`
//! lines or `--queue-bytes` bytes, the line is skipped and counted instead,
//! and the writer tells the client `-- N messages skipped` once the queue
//! has drained (exercise 8.15: a slow reader never blocks anyone). One slot
//! beyond the bound is kept for the final `-- bye (...)`, so it always fits.
//!
//! Replies to the client's own lines (`-- pong`, `!` errors, `/names`,
//! help) are never skipped: they have a reserve of their own beyond the
//! bound, and a client that lets them pile up past it is too slow (the room
//! closes it). A reply pushed while room lines were skipped first queues
//! the count of them, so `/ping` stays a barrier on a full queue.
//!
//! A line counts as what it holds: its bytes plus [`LINE_OVERHEAD`] for
//! its slot and bookkeeping, until the writer has written it, so the
//! writer's own batch is inside the bound too. Every outbox also counts
//! against one global [`Budget`] (`--queue-budget`).
//!
//! The queue is a `VecDeque` behind a mutex that only the pushing side and
//! this client's writer take, each for a few instructions: an idle client's
//! queue holds no memory at all, and the writer is woken only when its
//! queue goes from empty to non-empty or a first skip is counted (it
//! drains everything before it waits again), not once per line.

mod brake;
mod budget;
mod receiver;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use tokio::sync::Notify;

use super::metrics::{Metrics, PushTally};
use crate::protocol::ServerLine;

#[cfg(test)]
pub use brake::BRAKE_LIMIT;
pub use brake::Brake;
pub use budget::Budget;
pub use receiver::{OutboxReceiver, Received, ReplyMeter};

/// What a queued line holds beyond its bytes: its slot in the queue (a
/// `Bytes`, with room for the queue's growth) and the shared buffer's
/// header and allocation bookkeeping.
pub const LINE_OVERHEAD: usize = 64;

/// The memory a queued line holds, as the bounds count it. Lines are
/// allocated exactly (see `ServerLine::to_bytes`), so this is not a guess
/// that spare capacity could double.
pub fn held(line: &Bytes) -> usize {
    line.len() + LINE_OVERHEAD
}

/// A queue that has drained completely gives its memory back once it has
/// grown past this many lines.
const KEEP_LINES: usize = 32;
/// The reserve for replies holds at least this many lines and bytes (more
/// when the queue's own bounds are larger, so a history replay sized to
/// the queue always fits it).
const RESERVE_MIN_LINES: usize = 256;
const RESERVE_MIN_BYTES: usize = 64 * 1024;

/// The sending end, held by whoever speaks to the client: the login task,
/// then the room. Dropping it (after [`Outbox::push_last`]) lets the writer
/// flush and close.
#[derive(Debug)]
pub struct Outbox {
    shared: Arc<Shared>,
    max_lines: usize,
    max_bytes: usize,
    /// Counts deliveries, skips and queue depths, if set.
    metrics: Option<Arc<Metrics>>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    budget: Arc<Budget>,
    /// Signalled when the queue stops being empty, a skip is counted (so
    /// the count is told even if no other line follows) or the sender is
    /// gone.
    ready: Notify,
    /// Half the bounds (lines, bytes): past either, the queue presses the
    /// room's flood brake.
    press_at: (usize, usize),
}

#[derive(Debug, Default)]
struct State {
    lines: VecDeque<Bytes>,
    /// Queued or being written: released by the writer once written.
    bytes: usize,
    skipped: u64,
    /// Lines ever queued: the position of the next one.
    pushed: u64,
    /// Lines ever taken from the queue and written (a resume without a
    /// seq starts after the last line written).
    written: u64,
    /// Replies not yet taken by the writer: position and bytes.
    replies: VecDeque<(u64, usize)>,
    reply_bytes: usize,
    /// Bytes of replies queued since the reader last charged them to the
    /// client's flood control.
    uncharged: usize,
    /// The final line (the bye) is queued: nothing may follow it.
    last_queued: bool,
    sender_gone: bool,
    receiver_gone: bool,
    /// This queue presses the flood brake.
    pressing: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Presses the brake when the queue has passed half a bound.
    fn maybe_press(&self, state: &mut State) {
        let (lines, bytes) = self.press_at;
        if !state.pressing && (state.lines.len() >= lines || state.bytes >= bytes) {
            state.pressing = true;
            self.budget.brake().press(self.key());
        }
    }

    /// Lets go of the brake when the queue is under a quarter of both
    /// bounds, or gone.
    pub(super) fn maybe_ease(&self, state: &mut State) {
        let (lines, bytes) = self.press_at;
        let low = state.lines.len() <= lines / 2 && state.bytes <= bytes / 2;
        if state.pressing && (low || state.receiver_gone) {
            state.pressing = false;
            self.budget.brake().ease(self.key());
        }
    }

    /// This queue among the brake's pressers.
    fn key(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }
}

impl State {
    /// Appends `line`, counting what it holds here and in the budget.
    fn append(&mut self, line: Bytes, budget: &Budget) {
        let size = held(&line);
        budget.add(self.bytes, size);
        self.bytes += size;
        self.pushed += 1;
        self.lines.push_back(line);
    }

    /// Gives back `bytes` written or dropped.
    fn release(&mut self, bytes: usize, budget: &Budget) {
        let bytes = bytes.min(self.bytes);
        self.bytes -= bytes;
        budget.sub(bytes, self.bytes);
    }
}

impl Drop for Shared {
    /// Whatever is still held when both ends are gone goes back to the
    /// budget with the queue.
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        let bytes = state.bytes;
        state.release(bytes, &self.budget);
        if state.pressing {
            self.budget.brake().ease(self.key());
        }
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
    /// A reply found the reserve for replies full: the client does not
    /// read its own replies and must be closed as too slow.
    Overflow,
}

/// A new outbox bounded to `max_lines` lines and `max_bytes` bytes, and
/// counted against `budget`.
pub fn outbox(
    max_lines: usize,
    max_bytes: usize,
    budget: &Arc<Budget>,
) -> (Outbox, OutboxReceiver) {
    let shared = Arc::new(Shared {
        state: Mutex::default(),
        budget: budget.clone(),
        ready: Notify::new(),
        press_at: (max_lines.div_ceil(2).max(1), max_bytes.div_ceil(2).max(1)),
    });
    let outbox = Outbox {
        shared: shared.clone(),
        max_lines,
        max_bytes,
        metrics: None,
    };
    (outbox, OutboxReceiver { shared })
}

impl Outbox {
    /// This outbox, counting into `metrics` (a relaxed atomic add or
    /// three per push).
    pub fn observed(mut self, metrics: Arc<Metrics>) -> Outbox {
        self.metrics = Some(metrics);
        self
    }

    /// Queues a line without waiting; skips it when the queue is full.
    /// A line always fits an empty queue, however long.
    pub fn push(&self, line: Bytes) -> Push {
        outcome(self.push_counted(line))
    }

    /// Like [`Outbox::push`]; a queued line's place among every line ever
    /// queued (1 for the first), which [`Outbox::written`] is compared to.
    /// Counted into the metrics like [`Outbox::push`].
    pub fn push_counted(&self, line: Bytes) -> Result<u64, Push> {
        let (queued, depth) = self.enqueue(line);
        self.count(queued, depth)
    }

    /// [`Self::push_counted`] for one recipient of a broadcast: counted
    /// into `tally`, which goes into the metrics once per line, so a
    /// delivery costs no atomic operation of its own.
    pub fn push_counted_tallied(&self, line: Bytes, tally: &mut PushTally) -> Result<u64, Push> {
        let (queued, depth) = self.enqueue(line);
        tally.add(outcome(queued), depth);
        queued
    }

    /// Counts a push outside a broadcast into the metrics, if set.
    fn count(&self, queued: Result<u64, Push>, depth: usize) -> Result<u64, Push> {
        if let Some(metrics) = &self.metrics {
            metrics.count_push(outcome(queued), depth);
        }
        queued
    }

    /// Queues or skips `line`; returns the line's place (or what became of
    /// it) and the queue's depth.
    fn enqueue(&self, line: Bytes) -> (Result<u64, Push>, usize) {
        let mut state = self.shared.lock();
        if state.receiver_gone {
            return (Err(Push::Closed), 0);
        }
        let size = held(&line);
        let too_many_bytes = state.bytes > 0 && state.bytes + size > self.max_bytes;
        let over_budget = !self.shared.budget.admits(state.bytes, size);
        if state.lines.len() >= self.max_lines || too_many_bytes || over_budget {
            state.skipped += 1;
            let first = state.skipped == 1;
            let depth = state.lines.len();
            drop(state);
            if first {
                self.shared.ready.notify_one();
            }
            return (Err(Push::Skipped), depth);
        }
        let (at, depth) = self.queue(state, line);
        (Ok(at), depth)
    }

    /// How many queued lines the writer has written so far.
    pub fn written(&self) -> u64 {
        self.shared.lock().written
    }

    /// Queues a reply to the client's own line: never skipped for room
    /// lines, bounded by the reserve. A reply fits while the replies
    /// waiting are within it, however long (a roster may be longer than
    /// the reserve), so the replies held stay below the reserve plus one.
    pub fn push_reply(&self, line: Bytes) -> Push {
        let (queued, depth) = self.reply(line, true);
        outcome(self.count(queued, depth))
    }

    /// Queues a line of the welcome (who you are, the roster, the
    /// history) like a reply, but without charging flood control: it
    /// comes once per connection, not per command. Gives a queued line's place, as
    /// [`Outbox::push_counted`] gives it.
    pub fn push_welcome_counted(&self, line: Bytes) -> Result<u64, Push> {
        let (queued, depth) = self.reply(line, false);
        self.count(queued, depth)
    }

    /// Queues a reply; returns its place (or what became of it) and the
    /// queue's depth. The count of skipped lines queued before it is no
    /// delivery of its own.
    fn reply(&self, line: Bytes, charged: bool) -> (Result<u64, Push>, usize) {
        let mut state = self.shared.lock();
        if state.receiver_gone {
            return (Err(Push::Closed), 0);
        }
        let reserve_lines = self.max_lines.max(RESERVE_MIN_LINES);
        let reserve_bytes = self.max_bytes.max(RESERVE_MIN_BYTES);
        let too_many_bytes = state.reply_bytes >= reserve_bytes;
        if state.replies.len() >= reserve_lines || too_many_bytes {
            return (Err(Push::Overflow), state.lines.len());
        }
        let cost = if charged { line.len() } else { 0 };
        if state.skipped > 0 {
            // What was skipped before this reply is told before it.
            let count = std::mem::take(&mut state.skipped);
            let told = ServerLine::Skipped(count).to_bytes();
            state = self.queue_reply(state, told);
        }
        let mut state = self.queue_reply(state, line);
        state.uncharged = state.uncharged.saturating_add(cost);
        let (at, depth) = (state.pushed, state.lines.len());
        drop(state);
        (Ok(at), depth)
    }

    fn queue_reply<'a>(
        &'a self,
        mut state: MutexGuard<'a, State>,
        line: Bytes,
    ) -> MutexGuard<'a, State> {
        let at = state.pushed;
        state.replies.push_back((at, held(&line)));
        state.reply_bytes += held(&line);
        let was_empty = state.lines.is_empty();
        state.append(line, &self.shared.budget);
        if was_empty {
            self.shared.ready.notify_one();
        }
        state
    }

    /// Appends `line` and wakes the writer if the queue was empty; returns
    /// the line's place and the queue's depth.
    fn queue(&self, mut state: MutexGuard<'_, State>, line: Bytes) -> (u64, usize) {
        let was_empty = state.lines.is_empty();
        state.append(line, &self.shared.budget);
        self.shared.maybe_press(&mut state);
        let (at, depth) = (state.pushed, state.lines.len());
        drop(state);
        if was_empty {
            self.shared.ready.notify_one();
        }
        (at, depth)
    }

    /// Lines and bytes that can still be queued before lines are skipped.
    pub fn room_left(&self) -> (usize, usize) {
        let state = self.shared.lock();
        let lines = self.max_lines.saturating_sub(state.lines.len());
        (lines, self.max_bytes.saturating_sub(state.bytes))
    }

    /// Queues the final line (a bye) in the slot kept for it, then closes.
    pub fn push_last(self, line: Bytes) {
        let mut state = self.shared.lock();
        // When the writer is gone nobody can read it anyway.
        if !state.receiver_gone {
            state.append(line, &self.shared.budget);
        }
        state.last_queued = true;
        // Dropping `self` wakes the writer.
    }
}

/// What became of a line whose place [`Outbox::push_counted`] gave.
fn outcome(queued: Result<u64, Push>) -> Push {
    queued.map_or_else(|push| push, |_| Push::Queued)
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.shared.lock().sender_gone = true;
        self.shared.ready.notify_one();
    }
}

#[cfg(test)]
mod tests;
