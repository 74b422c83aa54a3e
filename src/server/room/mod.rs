//! The room: the one owner of members, names and history, as a fold over
//! a numbered log.
//!
//! Like the broadcaster goroutine of `gopl-8.10-chat.md`, a single task
//! owns the room and everything else talks to it through [`RoomHandle`].
//! Its logic is the synchronous [`Room::handle`], in two halves: deciding
//! what a request makes happen (`decide`: the events to append to the
//! [`Log`](log::Log), and direct replies) and applying each event the log
//! hands back, in its order (`apply`: the fold over [`RoomState`], which
//! says who hears of it). Only applied events reach members, so every
//! member sees room lines in the log's one order, each with its seq, and
//! `/ping` is answered once the log has passed the point where it came.
//! What is local by nature (connections, tags, tokens, ignore lists, held
//! seats) lives in the seats beside the fold.

mod apply;
mod apply_moderation;
mod backlog;
mod decide;
mod deliver;
pub mod event;
pub mod log;
mod moderate;
mod moves;
mod oper;
mod personal;
mod resume;
mod seats;
mod sessions;
mod shared;
pub mod snapshot;
mod state;
mod task;
pub mod token;

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::history::History;
use super::metrics::Metrics;
use super::outbox::Outbox;
use crate::protocol::{ByeReason, Command, Name, NameSkeleton, Seq, ServerLine};
pub use decide::{taken, too_long};
use event::MemberId;
use log::{Log, LogItem, MemoryLog};
pub use moderate::{Check, MAX_CHECKS};
pub use seats::ConnId;
use seats::Seat;
pub use state::RoomState;
pub use task::{RoomHandle, start};

/// Requests waiting for the room. Readers `send().await` into it, so a full
/// queue slows readers down (and TCP slows their clients); the room never
/// waits on anyone.
pub const REQUEST_QUEUE: usize = 4096;

/// What a connection asks of the room.
#[derive(Debug)]
pub enum Request {
    /// Reserve `name` and join; the outbox comes back if the name is taken.
    Join {
        name: Name,
        outbox: Outbox,
        /// The client's address, for the log.
        peer: SocketAddr,
        /// The client sent `/tags` first.
        tags: bool,
        reply: oneshot::Sender<JoinReply>,
    },
    /// Take a seat back (`/resume TOKEN [SEQ]`).
    Resume {
        token: String,
        seq: Option<Seq>,
        outbox: Outbox,
        peer: SocketAddr,
        tags: bool,
        reply: oneshot::Sender<JoinReply>,
    },
    /// A line from a member.
    Command { id: ConnId, command: Command },
    /// A member sent a line over the length limit.
    TooLong { id: ConnId },
    /// The connection is ending for `reason`.
    Leave { id: ConnId, reason: Leave },
    /// Whether a member's name has this skeleton.
    IsTaken {
        skeleton: NameSkeleton,
        reply: oneshot::Sender<bool>,
    },
    /// Whether a connection from `addr` may log in (no ban matches it).
    Admit {
        addr: IpAddr,
        reply: oneshot::Sender<bool>,
    },
    /// The answer of an `/oper` password check (see [`Check`]).
    OperChecked {
        conn: ConnId,
        addr: IpAddr,
        account: String,
        ok: bool,
    },
}

/// The room's answer to a join or resume.
#[derive(Debug)]
pub enum JoinReply {
    /// In the room; `kicked` is cancelled when the room closes the member.
    Joined {
        id: ConnId,
        kicked: CancellationToken,
    },
    /// The name is in use; try another with the same outbox.
    Taken { name: Name, outbox: Outbox },
    /// The resume was refused for `reason`; log in with a name instead.
    Refused { reason: String, outbox: Outbox },
    /// The name is banned; try another with the same outbox.
    Banned { name: Name, outbox: Outbox },
    /// The room's engine could not order the join; try again.
    Unavailable { outbox: Outbox },
}

/// Why a connection ends, as seen by its reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leave {
    /// The client closed or the link broke.
    Closed,
    /// No line for `--idle-timeout`.
    Idle,
    /// Its socket accepted nothing for `--write-timeout`.
    TooSlow,
}

/// What the room needs to know of the server's settings.
#[derive(Clone, Debug)]
pub struct Settings {
    pub max_line_bytes: usize,
    /// A member's queue bounds, which also bound its backlog.
    pub queue_lines: usize,
    pub queue_bytes: usize,
    /// How long a tagged member's seat is held (`None`: not at all).
    pub resume_window: Option<Duration>,
    /// Most seats held at once (past it the oldest hold ends early).
    pub max_held: usize,
    /// Bytes all backlogs may hold together (as queues count them).
    pub backlog_budget: usize,
}

/// The room: the fold's state, the log it folds, and the local seats.
#[derive(Debug)]
pub struct Room {
    state: RoomState,
    log: Box<dyn Log>,
    seats: HashMap<MemberId, Seat>,
    conns: HashMap<ConnId, MemberId>,
    /// The seats whose member was told its token.
    tokens: HashMap<token::Token, MemberId>,
    /// Held seats by deadline (the window is one length, so in order).
    holds: VecDeque<(Instant, MemberId)>,
    /// `/ping`s waiting for the log to pass a seq.
    barriers: VecDeque<(Seq, ConnId)>,
    /// What every backlog holds together.
    backlog_held: usize,
    settings: Settings,
    next_id: u64,
    /// Counters only (atomics), never a lock on room state.
    metrics: Arc<Metrics>,
    moderation: moderate::Desk,
    /// The number of this server in a shared room (0 alone).
    node: u64,
    /// Stops a shared log's engine once the room is gone.
    engine: Option<tokio_util::sync::DropGuard>,
    /// Resumes across servers of a shared room.
    moves: moves::Moves,
}

impl Room {
    pub fn new(history: History, settings: Settings) -> Room {
        let state = RoomState::new(history);
        let log = Box::new(MemoryLog::starting_after(state.applied()));
        Room::with_log(state, log, settings)
    }

    /// A room on any log, its state already at the log's position.
    pub fn with_log(state: RoomState, log: Box<dyn Log>, settings: Settings) -> Room {
        let (applied, queue_lines) = (state.applied(), settings.queue_lines);
        Room {
            state,
            log,
            seats: HashMap::new(),
            conns: HashMap::new(),
            tokens: HashMap::new(),
            holds: VecDeque::new(),
            barriers: VecDeque::new(),
            backlog_held: 0,
            settings,
            next_id: 1,
            metrics: Arc::new(Metrics::default()),
            moderation: moderate::Desk::default(),
            node: 0,
            engine: None,
            moves: moves::Moves::starting_at(applied, queue_lines),
        }
    }

    /// The room, counting into `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Room {
        self.metrics = metrics;
        self
    }

    /// Sets the members gauge to the members the fold knows, as `/names`
    /// lists them: a member whose seat is held for a resume is still one
    /// until the hold expires (it still holds its name and is listed), so
    /// a resume does not make the gauge dip and rise again.
    fn count_members(&self) {
        let members = i64::try_from(self.state.members.len()).unwrap_or(i64::MAX);
        self.metrics.members.set(members);
    }

    /// The room's logic: decide, append, apply what the log hands back.
    pub fn handle(&mut self, request: Request) {
        self.decide(request);
        self.catch_up();
    }

    /// Takes what a shared log's engine handed over, in its order.
    pub fn feed(&mut self, items: Vec<LogItem>) {
        for item in items {
            self.take(item);
        }
        self.catch_up();
    }

    /// Applies every entry the log has for us, then answers the barriers
    /// it has passed.
    fn catch_up(&mut self) {
        while let Some(item) = self.log.next() {
            self.take(item);
        }
        self.count_members();
        while let Some(&(seq, conn)) = self.barriers.front() {
            if seq > self.state.applied() {
                break;
            }
            self.barriers.pop_front();
            if let Some(member) = self.conns.get(&conn).copied() {
                self.reply(member, ServerLine::notice("pong"));
            }
        }
        self.save_bans();
    }

    /// `-- online (N): ...` as `/names` answers it.
    pub fn online(&mut self) -> bytes::Bytes {
        self.state.online()
    }

    /// Says bye to every member and lets them go; used at shutdown. In a
    /// shared room, this server's members leave it too.
    pub fn close_all(&mut self, reason: ByeReason) {
        if self.engine.is_some() {
            self.leave_shared_room(&reason);
        }
        self.conns.clear();
        self.tokens.clear();
        self.backlog_held = 0;
        self.metrics.members.set(0);
        let bye = ServerLine::Bye(reason.clone()).to_bytes();
        for (member, seat) in self.seats.drain() {
            if let Some(conn) = seat.conn {
                let peer = conn.peer;
                tracing::info!(id = member, %peer, reason = %reason, "left");
                self.metrics.bye(&reason);
                conn.close(Some(bye.clone()));
            }
        }
    }

    /// The member's token, made (and indexed) the first time it is told.
    fn disclose_token(&mut self, member: MemberId) -> Option<String> {
        let (lines, bytes) = (self.settings.queue_lines, self.settings.queue_bytes);
        let token = self.seats.get_mut(&member)?.token(lines, bytes).clone();
        let text = token.to_string();
        if self.engine.is_some() {
            let digest = token.digest();
            if self.state.sessions().member(&digest) != Some(member) {
                self.log.control(event::Control::Session { member, digest });
            }
        }
        self.tokens.insert(token, member);
        Some(text)
    }

    /// Gives the member a new token (the old one stops working).
    fn rotate_token(&mut self, member: MemberId) -> Option<String> {
        let resumable = self.seats.get_mut(&member)?.resumable.as_mut()?;
        let old = std::mem::replace(&mut resumable.token, token::Token::random());
        self.tokens.remove(&old);
        self.disclose_token(member)
    }

    /// Forgets a seat's token and backlog (the seat is gone).
    fn forget_seat(&mut self, seat: &Seat) {
        if let Some(resumable) = &seat.resumable {
            self.tokens.remove(&resumable.token);
            let held = resumable.backlog.held();
            self.backlog_held = self.backlog_held.saturating_sub(held);
        }
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }
}

#[cfg(test)]
mod brake_tests;
#[cfg(test)]
mod moderation_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod v11_tests;
