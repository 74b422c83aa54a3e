//! The log seam: the room appends events and applies what the log hands
//! back, in the log's order.
//!
//! One server keeps the log in memory: an append is numbered at once and
//! read back right away. An engine shared by several servers (a Redis
//! stream, `server::cluster`) numbers appends itself, may refuse them (a
//! name taken on another server, the engine away) and hands every server
//! the same entries later; the fold on top is the same code, so every
//! server's state is the same at the same seq.

use std::collections::VecDeque;

use super::ConnId;
use super::event::{Control, Entry, Event};
use super::snapshot::Snapshot;
use crate::protocol::{Seq, Stamp, Timestamp};

/// Where the room's events are ordered.
pub trait Log: Send + std::fmt::Debug {
    /// Appends `event`; the log gives it the next seq and the time, or
    /// hands it back as [`LogItem::Refused`].
    fn append(&mut self, event: Event);
    /// Asks for a [`LogItem::Barrier`] for `conn` (a `/ping`): the seq
    /// that every event appended so far, by any server, is at or below.
    fn barrier(&mut self, conn: ConnId);
    /// The next item to take, in the log's order.
    fn next(&mut self) -> Option<LogItem>;
    /// Whether the fold's state at `applied` should be kept beside the
    /// log (so that it can be trimmed): only a shared log keeps it.
    fn snapshot_due(&self, _applied: Seq) -> bool {
        false
    }
    /// Keeps the fold's state (see [`Log::snapshot_due`]).
    fn keep_snapshot(&mut self, _snapshot: Snapshot) {}
    /// Appends what only a shared log needs (tokens, moves), unnumbered;
    /// a server alone keeps none of it.
    fn control(&mut self, _control: Control) {}
}

/// What a log hands back.
#[derive(Debug, PartialEq, Eq)]
pub enum LogItem {
    /// An event in its place in the order.
    Entry(Entry),
    /// `conn`'s `/ping` is answered once the room has applied `seq`.
    Barrier { conn: ConnId, seq: Seq },
    /// A `/ping` the log could not order (the engine is away).
    BarrierRefused { conn: ConnId },
    /// An append that was not ordered, and never will be.
    Refused { event: Event, why: Refusal },
    /// The engine lost the room's log: numbering starts again under
    /// `epoch`, with nobody in the room.
    NewEpoch { epoch: String },
    /// A server of the room died (its lease expired): its members leave.
    NodeLost { node: u64 },
    /// Unnumbered, in its place in the order (see [`Control`]).
    Control(Control),
    /// A control that was not ordered (the engine is away).
    ControlRefused(Control),
    /// This server fell behind the trimmed log: the room goes on from
    /// the state kept beside it, without this server's members.
    Reload(Box<Snapshot>),
}

/// Why an append was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The name is held, by a member of another server.
    Taken,
    /// The member is no longer in the room.
    Absent,
    /// The member a private line is for is no longer in the room.
    Recipient,
    /// The engine could not be reached: nothing was ordered.
    Unavailable,
}

/// The log of a single server.
#[derive(Debug, Default)]
pub struct MemoryLog {
    head: Seq,
    unread: VecDeque<LogItem>,
}

impl MemoryLog {
    /// A log whose next seq is `head + 1` (continued from a history file).
    pub fn starting_after(head: Seq) -> MemoryLog {
        MemoryLog {
            head,
            unread: VecDeque::new(),
        }
    }
}

impl Log for MemoryLog {
    fn append(&mut self, event: Event) {
        self.head += 1;
        let stamp = Stamp {
            seq: self.head,
            time: Timestamp::now(),
        };
        self.unread
            .push_back(LogItem::Entry(Entry { stamp, event }));
    }

    fn barrier(&mut self, conn: ConnId) {
        let seq = self.head;
        self.unread.push_back(LogItem::Barrier { conn, seq });
    }

    fn next(&mut self) -> Option<LogItem> {
        self.unread.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(item: Option<LogItem>) -> Entry {
        match item {
            Some(LogItem::Entry(entry)) => entry,
            other => panic!("not an entry: {other:?}"),
        }
    }

    #[test]
    fn numbers_appends_in_order_without_gaps() {
        let mut log = MemoryLog::starting_after(41);
        log.append(Event::Back { member: 1 });
        log.append(Event::Back { member: 2 });
        log.barrier(7);
        let first = entry(log.next());
        let second = entry(log.next());
        assert_eq!((first.stamp.seq, second.stamp.seq), (42, 43));
        assert_eq!(second.event, Event::Back { member: 2 });
        assert!(first.stamp.time <= second.stamp.time);
        assert_eq!(log.next(), Some(LogItem::Barrier { conn: 7, seq: 43 }));
        assert!(log.next().is_none());
    }
}
