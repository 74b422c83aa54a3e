//! What the room's log holds: one event per room line, numbered.
//!
//! An event says what happened to the room (who arrived, who said what),
//! never how it reaches a socket: connections, outboxes and ignore lists
//! are local to the server that holds them and stay out of the log.

use serde::{Deserialize, Serialize};

use crate::protocol::{ByeReason, Name, Stamp, Timestamp};
use crate::server::moderation::{Ban, BanTarget};

/// Identifies a member for as long as it holds its seat (across resumes).
/// Its high half is the number of the server that made it (0 alone, the
/// node's number in a cluster), so ids are unique across servers.
pub type MemberId = u64;

/// The server (node) that made `member`.
pub fn node_of(member: MemberId) -> u64 {
    member >> 32
}

/// The first member id of `node`.
pub fn first_id(node: u64) -> MemberId {
    (node << 32) | 1
}

/// Something that happened in the room; each becomes exactly one room line.
/// Serialized (as JSON) only where a shared log carries it between servers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// An operator removed the member: a kick, or a ban that matched it.
    Removed {
        member: MemberId,
        removal: Removal,
    },
    /// An operator's bans: the target, maybe the address that came with
    /// it. Only the operator `by` hears of it.
    Banned {
        by: MemberId,
        bans: Vec<Ban>,
    },
    /// An operator lifted the bans on `target` (and those that came with it).
    Unbanned {
        by: MemberId,
        target: BanTarget,
    },
    /// The member's talk goes nowhere until `until` (or an unmute).
    Muted {
        member: MemberId,
        until: Option<Timestamp>,
    },
    Unmuted {
        member: MemberId,
    },
}

/// What a shared log carries beside the room's events, unnumbered: which
/// token resumes which seat, and on which server a member is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Control {
    /// The member's token is now the one with this digest.
    Session { member: MemberId, digest: String },
    /// A resume on server `to` with the token of digest `claimed`: the
    /// first such claim in the log's order takes the seat of the member
    /// the token is then for (the token is used up; the new server gives
    /// the member a new one). The member is found when the claim is
    /// applied, so a server may claim a token it has not read yet.
    Moved { to: u64, claimed: String },
    /// Whom the member ignores now, so the list moves with it.
    Ignoring {
        member: MemberId,
        ignoring: Vec<MemberId>,
    },
}

/// Why an operator removed a member, with the reason it gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Removal {
    Kicked(Option<String>),
    Banned(Option<String>),
}

impl Removal {
    /// The member's last line.
    pub fn bye(&self) -> ByeReason {
        match self {
            Removal::Kicked(reason) => ByeReason::Kicked(reason.clone()),
            Removal::Banned(reason) => ByeReason::Banned(reason.clone()),
        }
    }
}

/// An event as the log numbered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub stamp: Stamp,
    pub event: Event,
}
