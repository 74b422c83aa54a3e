//! What the room's log holds: one event per room line, numbered.
//!
//! An event says what happened to the room (who arrived, who said what),
//! never how it reaches a socket: connections, outboxes and ignore lists
//! are local to the server that holds them and stay out of the log.

use crate::protocol::{ByeReason, Name, Stamp};

/// Identifies a member for as long as it holds its seat (across resumes).
pub type MemberId = u64;

/// Something that happened in the room; each becomes exactly one room line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Joined {
        member: MemberId,
        name: Name,
    },
    Said {
        member: MemberId,
        text: String,
    },
    Acted {
        member: MemberId,
        text: String,
    },
    Private {
        from: MemberId,
        to: MemberId,
        text: String,
    },
    Renamed {
        member: MemberId,
        new: Name,
    },
    Away {
        member: MemberId,
        message: Option<String>,
    },
    Back {
        member: MemberId,
    },
    /// `reason` is what the others read; `bye` the last line to the member.
    Left {
        member: MemberId,
        reason: Option<String>,
        bye: Option<ByeReason>,
    },
}

/// An event as the log numbered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub stamp: Stamp,
    pub event: Event,
}
