//! Seats: what this server keeps for each member beside the fold, local
//! by nature: the open connection (outbox, kick switch), whether it reads
//! tags, its resume token and backlog, who it ignores, and whether its
//! seat is held for a resume.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::JoinReply;
use super::backlog::{Backlog, Kept};
use super::event::MemberId;
use super::token::Token;
use crate::protocol::{Seq, Stamp};
use crate::server::metrics::PushTally;
use crate::server::outbox::{Outbox, Push};

/// Identifies one connection to the room: a resume gets a new one, so a
/// late request from the connection it replaced is ignored.
pub type ConnId = u64;

/// The connection a seat is served on.
#[derive(Debug)]
pub struct Conn {
    pub id: ConnId,
    pub outbox: Outbox,
    pub kicked: CancellationToken,
    pub peer: SocketAddr,
}

impl Conn {
    pub fn new(id: ConnId, outbox: Outbox, peer: SocketAddr) -> Conn {
        Conn {
            id,
            outbox,
            kicked: CancellationToken::new(),
            peer,
        }
    }

    /// Lets the connection go: its last line, if any, then close.
    pub fn close(self, last: Option<Bytes>) {
        match last {
            Some(line) => self.outbox.push_last(line),
            None => drop(self.outbox),
        }
        self.kicked.cancel();
    }
}

/// What a member needs to resume: its token and the lines it was sent.
#[derive(Debug)]
pub struct Resumable {
    pub token: Token,
    pub backlog: Backlog,
}

/// One member's local side.
#[derive(Debug)]
pub struct Seat {
    /// `None` while the seat is held.
    pub conn: Option<Conn>,
    pub tags: bool,
    /// Set once the member was told its token (boxed: most seats never
    /// are, and the room walks every seat for each room line).
    pub resumable: Option<Box<Resumable>>,
    pub ignoring: BTreeSet<MemberId>,
    /// When a held seat is given up.
    pub held_until: Option<Instant>,
    /// Where a resume without a seq starts, once the connection is gone.
    pub written_when_held: Option<Seq>,
    /// The join's answer, sent once the room applied the arrival.
    pub reply: Option<oneshot::Sender<JoinReply>>,
    /// The operator account, once `/oper` succeeded.
    pub operator: Option<String>,
}

impl Seat {
    pub fn new(conn: Conn, tags: bool, reply: oneshot::Sender<JoinReply>) -> Seat {
        Seat {
            conn: Some(conn),
            tags,
            resumable: None,
            ignoring: BTreeSet::new(),
            held_until: None,
            written_when_held: None,
            reply: Some(reply),
            operator: None,
        }
    }

    /// A seat without a connection yet (a member moving in from another
    /// server gets its connection with the resume frame).
    pub fn held(tags: bool) -> Seat {
        Seat {
            conn: None,
            tags,
            resumable: None,
            ignoring: BTreeSet::new(),
            held_until: None,
            written_when_held: None,
            reply: None,
            operator: None,
        }
    }

    /// The token, made the first time the member is told it; from then on
    /// the seat keeps a backlog (at most `lines` lines, `bytes` bytes).
    pub fn token(&mut self, lines: usize, bytes: usize) -> &Token {
        let resumable = self.resumable.get_or_insert_with(|| {
            Box::new(Resumable {
                token: Token::random(),
                backlog: Backlog::new(lines, bytes),
            })
        });
        &resumable.token
    }

    /// Sends a room line: tagged or not, as the member asked, and into the
    /// backlog if it keeps one. `tagged` caches the tagged rendering.
    /// Returns the bytes the backlog took and gave back.
    pub fn send_room_line(
        &mut self,
        stamp: Stamp,
        plain: &Bytes,
        tagged: &mut Option<Bytes>,
        tally: &mut PushTally,
    ) -> (usize, usize) {
        let ordinal = self.conn.as_ref().and_then(|conn| {
            let line = if self.tags {
                tagged
                    .get_or_insert_with(|| with_tags(stamp, plain))
                    .clone()
            } else {
                plain.clone()
            };
            conn.outbox.push_counted_tallied(line, tally).ok()
        });
        let Some(resumable) = &mut self.resumable else {
            return (0, 0);
        };
        let line = plain.clone();
        resumable.backlog.record(Kept {
            stamp,
            line,
            ordinal,
        })
    }

    /// Sends a reply to the member's own line (never skipped; `Overflow`
    /// when its replies pile up: it is too slow).
    pub fn reply(&self, line: Bytes) -> Push {
        self.conn
            .as_ref()
            .map_or(Push::Closed, |conn| conn.outbox.push_reply(line))
    }

    /// Sends a line of a welcome or resume frame: a reply, but not charged
    /// to flood control. Its place in the queue if queued.
    pub fn frame(&self, line: Bytes) -> Result<u64, Push> {
        self.conn.as_ref().map_or(Err(Push::Closed), |conn| {
            conn.outbox.push_welcome_counted(line)
        })
    }

    /// The seq after which a resume without one starts: after the last
    /// line written to the connection.
    pub fn last_written(&self, head: Seq) -> Seq {
        if let Some(seq) = self.written_when_held {
            return seq;
        }
        let Some(resumable) = &self.resumable else {
            return head;
        };
        let backlog = &resumable.backlog;
        let written = self.conn.as_ref().map_or(0, |conn| conn.outbox.written());
        backlog
            .last_written(written)
            .or_else(|| backlog.before_oldest())
            .unwrap_or(head)
    }
}

/// `plain` (a room line's wire bytes) behind its tag block.
pub fn with_tags(stamp: Stamp, plain: &Bytes) -> Bytes {
    let tags = format!("{} ", stamp.tags());
    let mut line = BytesMut::with_capacity(tags.len() + plain.len());
    line.extend_from_slice(tags.as_bytes());
    line.extend_from_slice(plain);
    line.freeze()
}
