//! `Outbox`: the bounded queue of lines waiting for one client's socket.
//!
//! The room pushes without ever waiting: when the queue holds `--queue`
//! lines or `--queue-bytes` bytes, the line is skipped and counted instead,
//! and the writer tells the client `-- N messages skipped` once the queue
//! has drained (exercise 8.15: a slow reader never blocks anyone). One slot
//! beyond the bound is kept for the final `-- bye (...)`, so it always fits.
//!
//! Bytes count against the bound until the writer has written them, so the
//! writer's own buffer is inside the bound too.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use bytes::Bytes;
use tokio::sync::{Notify, mpsc};

/// The sending end, held by whoever speaks to the client: the login task,
/// then the room. Dropping it (after [`Outbox::push_last`]) lets the writer
/// flush and close.
#[derive(Debug)]
pub struct Outbox {
    lines: mpsc::Sender<Bytes>,
    shared: Arc<Shared>,
    max_bytes: usize,
}

/// The receiving end, drained by the client's writer.
#[derive(Debug)]
pub struct OutboxReceiver {
    lines: mpsc::Receiver<Bytes>,
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    queued_bytes: AtomicUsize,
    skipped: AtomicU64,
    /// The final line (the bye) is queued: nothing may follow it.
    last_queued: AtomicBool,
    /// Wakes a writer waiting on an empty queue when a skip was counted,
    /// so the count is told even if no other line follows.
    skip_counted: Notify,
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
    let (sender, receiver) = mpsc::channel(max_lines + 1);
    let shared = Arc::new(Shared::default());
    let outbox = Outbox {
        lines: sender,
        shared: shared.clone(),
        max_bytes,
    };
    (
        outbox,
        OutboxReceiver {
            lines: receiver,
            shared,
        },
    )
}

impl Outbox {
    /// Queues a line without waiting; skips it when the queue is full.
    /// A line always fits an empty queue, however long.
    pub fn push(&self, line: Bytes) -> Push {
        if self.lines.is_closed() {
            return Push::Closed;
        }
        let len = line.len();
        let before = self.shared.queued_bytes.fetch_add(len, Ordering::Relaxed);
        // The last permit is the bye's.
        if (before > 0 && before + len > self.max_bytes) || self.lines.capacity() <= 1 {
            self.shared.queued_bytes.fetch_sub(len, Ordering::Relaxed);
            self.count_skip();
            return Push::Skipped;
        }
        match self.lines.try_send(line) {
            Ok(()) => Push::Queued,
            Err(err) => {
                self.shared.queued_bytes.fetch_sub(len, Ordering::Relaxed);
                match err {
                    mpsc::error::TrySendError::Full(_) => {
                        self.count_skip();
                        Push::Skipped
                    }
                    mpsc::error::TrySendError::Closed(_) => Push::Closed,
                }
            }
        }
    }

    /// Lines and bytes that can still be queued before lines are skipped.
    pub fn room_left(&self) -> (usize, usize) {
        let lines = self.lines.capacity().saturating_sub(1);
        let bytes = self.shared.queued_bytes.load(Ordering::Relaxed);
        (lines, self.max_bytes.saturating_sub(bytes))
    }

    fn count_skip(&self) {
        if self.shared.skipped.fetch_add(1, Ordering::Relaxed) == 0 {
            self.shared.skip_counted.notify_one();
        }
    }

    /// Queues the final line (a bye) in the slot kept for it, then closes.
    pub fn push_last(self, line: Bytes) {
        self.shared
            .queued_bytes
            .fetch_add(line.len(), Ordering::Relaxed);
        // Only fails when the writer is gone, and then nobody can read it.
        let _ = self.lines.try_send(line);
        self.shared.last_queued.store(true, Ordering::Release);
    }
}

impl OutboxReceiver {
    /// Waits for lines (or a skip to tell) and moves up to `limit` lines
    /// into `batch`. Their bytes still count until [`Self::release`].
    pub async fn recv_batch(&mut self, batch: &mut Vec<Bytes>, limit: usize) -> Received {
        tokio::select! {
            biased;
            count = self.lines.recv_many(batch, limit) => match count {
                0 => Received::Closed,
                count => Received::Lines(count),
            },
            () = self.shared.skip_counted.notified() => Received::Lines(0),
        }
    }

    /// Frees `bytes` of the bound once they are written.
    pub fn release(&self, bytes: usize) {
        self.shared.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Once the queue is empty: how many lines were skipped since the last
    /// call (zero while lines still wait, so the count comes after them).
    pub fn take_skipped(&self) -> u64 {
        if !self.lines.is_empty() {
            return 0;
        }
        self.shared.skipped.swap(0, Ordering::Relaxed)
    }

    /// Takes every line queued right now, without waiting (for tests and
    /// tools that inspect a queue).
    pub fn take_queued(&mut self) -> Vec<Bytes> {
        let mut lines = Vec::new();
        while let Ok(line) = self.lines.try_recv() {
            self.shared
                .queued_bytes
                .fetch_sub(line.len(), Ordering::Relaxed);
            lines.push(line);
        }
        lines
    }

    /// Whether every sender is gone (the room let go of this client).
    pub fn is_closed(&self) -> bool {
        self.lines.is_closed()
    }

    /// Whether the last line received was the final one (the bye), so a
    /// skipped count must go before it.
    pub fn got_last(&self) -> bool {
        self.lines.is_empty() && self.shared.last_queued.load(Ordering::Acquire)
    }
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
        receiver.release(9);
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
        receiver.release(2);
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
