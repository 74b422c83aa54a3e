//! A seat's backlog: the latest room lines sent to one member, kept so a
//! resume can send again what the client never saw.
//!
//! Only a member that could resume keeps one (its token was told to it).
//! It holds at most a queue's worth of lines (`--queue`, `--queue-bytes`);
//! older lines are dropped but their seqs are remembered as runs, so a
//! resume can say exactly how many lines it could not send again.

use std::collections::VecDeque;

use bytes::Bytes;

use crate::protocol::{Seq, Stamp};
use crate::server::outbox::held;

/// Runs of dropped seqs remembered; past it the oldest runs are merged
/// (their count stays exact, where inside them a seq falls does not).
const MAX_DROPPED_RUNS: usize = 1024;

/// One room line as the member got it.
#[derive(Clone, Debug)]
pub struct Kept {
    pub stamp: Stamp,
    /// The version 1 wire text, `\n` included.
    pub line: Bytes,
    /// Its place among the lines queued to the connection it went to
    /// (`None`: it was skipped there, or no connection was open).
    pub ordinal: Option<u64>,
}

/// Consecutive dropped seqs `first..=last` holding `count` of this
/// member's lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    first: Seq,
    last: Seq,
    count: u64,
}

/// The backlog (see the module doc).
#[derive(Debug)]
pub struct Backlog {
    kept: VecDeque<Kept>,
    kept_bytes: usize,
    max_lines: usize,
    max_bytes: usize,
    dropped: VecDeque<Run>,
}

/// What a resume can send: the lines kept after a seq, and how many more
/// there were.
#[derive(Debug)]
pub struct Missed<'a> {
    pub lost: u64,
    pub kept: Vec<&'a Kept>,
}

impl Backlog {
    pub fn new(max_lines: usize, max_bytes: usize) -> Backlog {
        Backlog {
            kept: VecDeque::new(),
            kept_bytes: 0,
            max_lines: max_lines.max(1),
            max_bytes,
            dropped: VecDeque::new(),
        }
    }

    /// Keeps a line, dropping the oldest ones past the bounds; returns
    /// the bytes (as [`held`] counts them) it took and gave back.
    pub fn record(&mut self, kept: Kept) -> (usize, usize) {
        let taken = held(&kept.line);
        self.kept_bytes += taken;
        self.kept.push_back(kept);
        let before = self.kept_bytes;
        while self.kept.len() > self.max_lines
            || (self.kept.len() > 1 && self.kept_bytes > self.max_bytes)
        {
            self.drop_oldest();
        }
        (taken, before - self.kept_bytes)
    }

    /// What the kept lines hold, as [`held`] counts it.
    pub fn held(&self) -> usize {
        self.kept_bytes
    }

    /// Drops the oldest lines (counted) until at most `bytes` are held,
    /// keeping the newest line; returns the bytes given back.
    pub fn trim_to(&mut self, bytes: usize) -> usize {
        let before = self.kept_bytes;
        while self.kept.len() > 1 && self.kept_bytes > bytes {
            self.drop_oldest();
        }
        before - self.kept_bytes
    }

    /// Counts a line of the member's whose text is gone as dropped (it
    /// must be older than every line kept or counted yet).
    pub fn lost(&mut self, seq: Seq) {
        self.drop_seq(seq);
    }

    fn drop_oldest(&mut self) {
        if let Some(old) = self.kept.pop_front() {
            self.kept_bytes -= held(&old.line);
            self.drop_seq(old.stamp.seq);
        }
    }

    fn drop_seq(&mut self, seq: Seq) {
        match self.dropped.back_mut() {
            Some(run) if run.last + 1 == seq => {
                run.last = seq;
                run.count += 1;
            }
            _ => self.dropped.push_back(Run {
                first: seq,
                last: seq,
                count: 1,
            }),
        }
        if self.dropped.len() > MAX_DROPPED_RUNS
            && let (Some(oldest), Some(next)) = (self.dropped.pop_front(), self.dropped.front_mut())
        {
            next.first = oldest.first;
            next.count += oldest.count;
        }
    }

    /// The member's lines with a seq above `since`.
    pub fn after(&self, since: Seq) -> Missed<'_> {
        let lost = self.dropped.iter().map(|run| run.count_after(since)).sum();
        let kept = self.kept.iter().filter(|k| k.stamp.seq > since).collect();
        Missed { lost, kept }
    }

    /// The seq of the last line fully written to the connection, given how
    /// many of its queued lines were written; `None` when no kept line was
    /// (then every older line counts as written).
    pub fn last_written(&self, written: u64) -> Option<Seq> {
        self.kept
            .iter()
            .rev()
            .find(|k| k.ordinal.is_some_and(|ordinal| ordinal <= written))
            .map(|k| k.stamp.seq)
    }

    /// The seq just before the oldest kept line, if any is kept.
    pub fn before_oldest(&self) -> Option<Seq> {
        self.kept.front().map(|k| k.stamp.seq - 1)
    }

    /// Lines sent again now have their place in the new connection.
    pub fn renumber(&mut self, since: Seq, mut ordinal: impl FnMut(Seq) -> Option<u64>) {
        for kept in self.kept.iter_mut() {
            kept.ordinal = if kept.stamp.seq > since {
                ordinal(kept.stamp.seq)
            } else {
                None
            };
        }
    }
}

impl Run {
    fn count_after(&self, since: Seq) -> u64 {
        if self.last <= since {
            0
        } else if self.first > since {
            self.count
        } else {
            self.count.min(self.last - since)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Timestamp;

    fn kept(seq: Seq, ordinal: Option<u64>) -> Kept {
        Kept {
            stamp: Stamp {
                seq,
                time: Timestamp(0),
            },
            line: Bytes::from(format!("bob: {seq}\n")),
            ordinal,
        }
    }

    fn seqs(missed: &Missed<'_>) -> Vec<Seq> {
        missed.kept.iter().map(|k| k.stamp.seq).collect()
    }

    #[test]
    fn counts_exactly_what_it_dropped_after_a_seq() {
        let mut backlog = Backlog::new(3, 1000);
        // seqs 1..=10 but 4 and 5 were not for this member
        for seq in [1, 2, 3, 6, 7, 8, 9, 10] {
            backlog.record(kept(seq, None));
        }
        let all = backlog.after(0);
        assert_eq!((all.lost, seqs(&all)), (5, vec![8, 9, 10]));
        let some = backlog.after(2);
        assert_eq!((some.lost, seqs(&some)), (3, vec![8, 9, 10]));
        let none = backlog.after(7);
        assert_eq!((none.lost, seqs(&none)), (0, vec![8, 9, 10]));
        assert_eq!(backlog.after(10).kept.len(), 0);
    }

    #[test]
    fn trimming_counts_what_it_drops() {
        let mut backlog = Backlog::new(100, 100_000);
        for seq in 1..=5 {
            backlog.record(kept(seq, None));
        }
        let freed = backlog.trim_to(0);
        assert_eq!(freed, 4 * held(&kept(1, None).line));
        let missed = backlog.after(0);
        assert_eq!((missed.lost, seqs(&missed)), (4, vec![5]));
    }

    #[test]
    fn the_byte_bound_keeps_at_least_one_line() {
        let mut backlog = Backlog::new(100, 10);
        backlog.record(kept(1, None));
        backlog.record(kept(2, None));
        let missed = backlog.after(0);
        assert_eq!((missed.lost, seqs(&missed)), (1, vec![2]));
    }

    #[test]
    fn last_written_follows_the_ordinals() {
        let mut backlog = Backlog::new(10, 1000);
        backlog.record(kept(4, Some(7)));
        backlog.record(kept(5, None));
        backlog.record(kept(6, Some(9)));
        assert_eq!(backlog.last_written(8), Some(4));
        assert_eq!(backlog.last_written(9), Some(6));
        assert_eq!(backlog.last_written(3), None);
        assert_eq!(backlog.before_oldest(), Some(3));
    }

    #[test]
    fn merged_runs_keep_their_count() {
        let mut backlog = Backlog::new(1, 1000);
        for seq in (1..=(2 * MAX_DROPPED_RUNS as u64 + 4)).step_by(2) {
            backlog.record(kept(seq, None));
        }
        let missed = backlog.after(0);
        assert_eq!(missed.lost, MAX_DROPPED_RUNS as u64 + 1);
    }
}
