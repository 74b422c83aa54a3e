//! The log seam: the room appends events and applies what the log hands
//! back, in the log's order.
//!
//! One server keeps the log in memory: an append is numbered at once and
//! read back right away. An engine shared by several servers (a Redis
//! stream) numbers appends itself and hands every server the same entries;
//! the fold on top is the same code, so every server's state is the same
//! at the same seq.

use std::collections::VecDeque;

use super::event::{Entry, Event};
use crate::protocol::{Seq, Stamp, Timestamp};

/// Where the room's events are ordered.
pub trait Log: Send + std::fmt::Debug {
    /// Appends `event`; the log gives it the next seq and the time.
    fn append(&mut self, event: Event);
    /// The next entry to apply, in the log's order.
    fn next(&mut self) -> Option<Entry>;
    /// The seq of the last appended event: applying up to it means the
    /// room has passed every event asked for so far.
    fn head(&self) -> Seq;
}

/// The log of a single server.
#[derive(Debug, Default)]
pub struct MemoryLog {
    head: Seq,
    unread: VecDeque<Entry>,
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
        self.unread.push_back(Entry { stamp, event });
    }

    fn next(&mut self) -> Option<Entry> {
        self.unread.pop_front()
    }

    fn head(&self) -> Seq {
        self.head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_appends_in_order_without_gaps() {
        let mut log = MemoryLog::starting_after(41);
        log.append(Event::Back { member: 1 });
        log.append(Event::Back { member: 2 });
        assert_eq!(log.head(), 43);
        let first = log.next().expect("first");
        let second = log.next().expect("second");
        assert_eq!((first.stamp.seq, second.stamp.seq), (42, 43));
        assert_eq!(second.event, Event::Back { member: 2 });
        assert!(first.stamp.time <= second.stamp.time);
        assert!(log.next().is_none());
    }
}
