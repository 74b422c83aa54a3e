//! The room: the one owner of members, names and history.
//!
//! Like the broadcaster goroutine of `gopl-8.10-chat.md`, a single task owns
//! the state and everything else talks to it through [`RoomHandle`]. Its
//! logic is the synchronous [`Room::handle`], which turns a request into
//! [`Delivery`] values; [`Room::deliver`] then renders each line once and
//! pushes the shared bytes to every recipient's outbox without waiting.
//! Because one task produces every line a member receives, all members see
//! room lines in one order, and `/ping` is a barrier.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::history::History;
use super::metrics::{Metrics, PushTally};
use super::outbox::{LINE_OVERHEAD, Outbox, Push, held};
use super::roster::Roster;
use crate::protocol::sanitize::{echo, sanitize_reason};
use crate::protocol::{ByeReason, Command, Name, NameKey, NameSkeleton, ServerLine, shorten};

/// Requests waiting for the room. Readers `send().await` into it, so a full
/// queue slows readers down (and TCP slows their clients); the room never
/// waits on anyone.
pub const REQUEST_QUEUE: usize = 4096;
/// Longest `/quit` reason shown to the room, in characters.
const QUIT_REASON_CHARS: usize = 64;

static HELP: LazyLock<Vec<String>> = LazyLock::new(|| {
    include_str!("../../assets/help.txt")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect()
});

/// Identifies a member for the life of its connection.
pub type MemberId = u64;

/// What a connection asks of the room.
#[derive(Debug)]
pub enum Request {
    /// Reserve `name` and join; the outbox comes back if the name is taken.
    Join {
        name: Name,
        outbox: Outbox,
        /// The client's address, for the log.
        peer: SocketAddr,
        reply: oneshot::Sender<JoinReply>,
    },
    /// A line from a member.
    Command { id: MemberId, command: Command },
    /// A member sent a line over the length limit.
    TooLong { id: MemberId },
    /// The connection is ending for `reason`.
    Leave { id: MemberId, reason: Leave },
    /// Whether a member's name has this skeleton.
    IsTaken {
        skeleton: NameSkeleton,
        reply: oneshot::Sender<bool>,
    },
}

/// The room's answer to a join.
#[derive(Debug)]
pub enum JoinReply {
    /// In the room; `kicked` is cancelled when the room closes the member.
    Joined {
        id: MemberId,
        kicked: CancellationToken,
    },
    /// The name is in use; try another with the same outbox.
    Taken { name: Name, outbox: Outbox },
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

/// One line for some audience, or a member's removal.
#[derive(Debug)]
pub enum Delivery {
    /// A room line for one member (a private message).
    To(MemberId, ServerLine),
    /// A reply to the member's own line: never skipped for room lines.
    Reply(MemberId, ServerLine),
    /// A reply rendered already (the roster, kept rendered).
    Rendered(MemberId, Bytes),
    /// A line of a newcomer's welcome: a reply, but not charged to flood
    /// control.
    Welcome(MemberId, Bytes),
    All(ServerLine),
    AllBut(MemberId, ServerLine),
    /// The member was removed: send it this last line (if any) and close.
    Farewell(Member, Option<ServerLine>),
}

/// A member as the room keeps it.
#[derive(Debug)]
pub struct Member {
    pub name: Name,
    peer: SocketAddr,
    outbox: Outbox,
    kicked: CancellationToken,
}

/// The room's state. Only the room task touches it.
#[derive(Debug)]
pub struct Room {
    members: HashMap<MemberId, Member>,
    /// Sorted by key, the roster's order.
    names: BTreeMap<NameKey, MemberId>,
    /// The same names by skeleton: what makes a name taken, so that
    /// look-alikes of a member's name are taken too.
    skeletons: HashMap<NameSkeleton, MemberId>,
    /// The same names, rendered for `-- online`.
    roster: Roster,
    history: History,
    max_line_bytes: usize,
    next_id: MemberId,
    /// Counters only (atomics), never a lock on room state.
    metrics: Arc<Metrics>,
}

/// The room as others see it: a queue of requests.
#[derive(Clone, Debug)]
pub struct RoomHandle {
    requests: mpsc::Sender<Request>,
}

/// The room task is gone (the server is shutting down).
#[derive(Debug)]
pub struct RoomClosed;

impl RoomHandle {
    /// Asks to join under `name`. If the room has shut down, the client
    /// has been told so.
    pub async fn join(
        &self,
        name: Name,
        outbox: Outbox,
        peer: SocketAddr,
    ) -> Result<JoinReply, RoomClosed> {
        let (reply, answer) = oneshot::channel();
        let request = Request::Join {
            name,
            outbox,
            peer,
            reply,
        };
        if let Err(mpsc::error::SendError(request)) = self.requests.send(request).await {
            if let Request::Join { outbox, .. } = request {
                say_shutting_down(outbox);
            }
            return Err(RoomClosed);
        }
        answer.await.map_err(|_| RoomClosed)
    }

    /// Whether a member holds a name that looks like `skeleton`.
    pub async fn is_taken(&self, skeleton: NameSkeleton) -> Result<bool, RoomClosed> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::IsTaken { skeleton, reply }).await?;
        answer.await.map_err(|_| RoomClosed)
    }

    /// Queues a request, waiting while the room is busy.
    pub async fn send(&self, request: Request) -> Result<(), RoomClosed> {
        self.requests.send(request).await.map_err(|_| RoomClosed)
    }
}

/// Starts the room task; it runs until `shutdown`, then says bye to every
/// member. The task's handle lets the server notice if it dies.
pub fn start(
    room: Room,
    shutdown: CancellationToken,
    tracker: &tokio_util::task::TaskTracker,
) -> (RoomHandle, tokio::task::JoinHandle<()>) {
    let (requests, inbox) = mpsc::channel(REQUEST_QUEUE);
    let task = tracker.spawn(run(room, inbox, shutdown));
    (RoomHandle { requests }, task)
}

async fn run(mut room: Room, mut inbox: mpsc::Receiver<Request>, shutdown: CancellationToken) {
    loop {
        let request = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            request = inbox.recv() => request,
        };
        let Some(request) = request else { break };
        let deliveries = room.handle(request);
        room.deliver(deliveries);
    }
    // What was already asked is still answered; newcomers get their bye.
    inbox.close();
    while let Ok(request) = inbox.try_recv() {
        match request {
            Request::Join { outbox, .. } => say_shutting_down(outbox),
            request => {
                let deliveries = room.handle(request);
                room.deliver(deliveries);
            }
        }
    }
    let farewells = room.close_all(ByeReason::ShuttingDown);
    room.deliver(farewells);
}

fn say_shutting_down(outbox: Outbox) {
    outbox.push_last(ServerLine::Bye(ByeReason::ShuttingDown).to_bytes());
}

impl Room {
    pub fn new(history: History, max_line_bytes: usize) -> Room {
        Room {
            members: HashMap::new(),
            names: BTreeMap::new(),
            skeletons: HashMap::new(),
            roster: Roster::default(),
            history,
            max_line_bytes,
            next_id: 1,
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// The room, counting into `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Room {
        self.metrics = metrics;
        self
    }

    fn count_members(&self) {
        let members = i64::try_from(self.members.len()).unwrap_or(i64::MAX);
        self.metrics.members.set(members);
    }

    /// The room's logic: what a request changes and who hears of it.
    pub fn handle(&mut self, request: Request) -> Vec<Delivery> {
        match request {
            Request::Join {
                name,
                outbox,
                peer,
                reply,
            } => self.join(name, outbox, peer, reply),
            Request::Command { id, command } if self.members.contains_key(&id) => {
                self.command(id, command)
            }
            Request::TooLong { id } => vec![Delivery::Reply(id, too_long(self.max_line_bytes))],
            Request::Leave { id, reason } => self.leave(id, reason),
            Request::IsTaken { skeleton, reply } => {
                let _ = reply.send(self.skeletons.contains_key(&skeleton));
                Vec::new()
            }
            Request::Command { .. } => Vec::new(),
        }
    }

    /// Renders each line once and queues it for its recipients.
    pub fn deliver(&mut self, deliveries: Vec<Delivery>) {
        let mut too_slow = Vec::new();
        for delivery in deliveries {
            match delivery {
                Delivery::To(id, line) => {
                    if let Some(member) = self.members.get(&id) {
                        member.outbox.push(line.to_bytes());
                    }
                }
                Delivery::Reply(id, line) => {
                    self.reply(id, line.to_bytes(), Outbox::push_reply, &mut too_slow);
                }
                Delivery::Rendered(id, line) => {
                    self.reply(id, line, Outbox::push_reply, &mut too_slow);
                }
                Delivery::Welcome(id, line) => {
                    self.reply(id, line, Outbox::push_welcome, &mut too_slow);
                }
                Delivery::All(line) => self.broadcast(&line, None),
                Delivery::AllBut(id, line) => self.broadcast(&line, Some(id)),
                Delivery::Farewell(member, line) => {
                    if let Some(line) = line {
                        member.outbox.push_last(line.to_bytes());
                    }
                    member.kicked.cancel();
                }
            }
        }
        for id in too_slow {
            let removal = self.leave(id, Leave::TooSlow);
            self.deliver(removal);
        }
    }

    /// Queues a reply; notes the member as too slow when its replies pile up.
    fn reply(
        &self,
        id: MemberId,
        line: Bytes,
        push: fn(&Outbox, Bytes) -> Push,
        too_slow: &mut Vec<MemberId>,
    ) {
        let Some(member) = self.members.get(&id) else {
            return;
        };
        if push(&member.outbox, line) == Push::Overflow && !too_slow.contains(&id) {
            too_slow.push(id);
        }
    }

    /// Removes every member with a bye; used at shutdown.
    pub fn close_all(&mut self, reason: ByeReason) -> Vec<Delivery> {
        self.names.clear();
        self.skeletons.clear();
        self.roster.clear();
        self.metrics.members.set(0);
        self.members
            .drain()
            .map(|(id, member)| {
                let (name, peer) = (&member.name, member.peer);
                tracing::info!(id, ?name, %peer, reason = %reason, "left");
                self.metrics.bye(&reason);
                Delivery::Farewell(member, Some(ServerLine::Bye(reason.clone())))
            })
            .collect()
    }

    /// `-- online (N): ...`, names sorted by their case fold.
    /// Shared by every reply until the roster changes.
    pub fn online(&mut self) -> Bytes {
        self.roster.online()
    }

    /// Takes `name` for member `id` and lists it in the roster.
    fn reserve(&mut self, id: MemberId, name: &Name) {
        let key = name.key();
        self.roster.insert(self.listed_before(&key).as_ref(), name);
        self.names.insert(key, id);
        self.skeletons.insert(name.skeleton(), id);
    }

    /// Frees `name` and takes it off the roster.
    fn release(&mut self, name: &Name) {
        self.names.remove(&name.key());
        self.skeletons.remove(&name.skeleton());
        self.roster.remove(name);
    }

    /// The member listed just before `key` in the roster.
    fn listed_before(&self, key: &NameKey) -> Option<Name> {
        let (_, id) = self.names.range(..key).next_back()?;
        self.members.get(id).map(|member| member.name.clone())
    }

    fn broadcast(&self, line: &ServerLine, except: Option<MemberId>) {
        let started = Instant::now();
        let mut tally = PushTally::default();
        let bytes = line.to_bytes();
        for (id, member) in &self.members {
            if Some(*id) != except {
                member.outbox.push_tallied(bytes.clone(), &mut tally);
            }
        }
        self.metrics.count_broadcast(&tally, started.elapsed());
    }

    fn join(
        &mut self,
        name: Name,
        outbox: Outbox,
        peer: SocketAddr,
        reply: oneshot::Sender<JoinReply>,
    ) -> Vec<Delivery> {
        if self.skeletons.contains_key(&name.skeleton()) {
            let _ = reply.send(JoinReply::Taken { name, outbox });
            return Vec::new();
        }
        let id = self.next_id;
        let kicked = CancellationToken::new();
        if reply
            .send(JoinReply::Joined {
                id,
                kicked: kicked.clone(),
            })
            .is_err()
        {
            return Vec::new(); // the connection gave up meanwhile
        }
        self.next_id += 1;
        self.reserve(id, &name);
        let member = Member {
            name: name.clone(),
            peer,
            outbox,
            kicked,
        };
        self.members.insert(id, member);
        self.count_members();
        tracing::info!(id, name = ?name, %peer, members = self.members.len(), "joined");
        self.welcome(id, name)
    }

    /// To the newcomer: who it is, who is here, the history; to the rest:
    /// the arrival.
    fn welcome(&mut self, id: MemberId, name: Name) -> Vec<Delivery> {
        let you_are = ServerLine::YouAre(name.clone());
        let online = self.online();
        let Some(member) = self.members.get(&id) else {
            return Vec::new();
        };
        let (free_lines, free_bytes) = member.outbox.room_left();
        let used = wire_len(&you_are) + held(&online);
        let mut deliveries = vec![
            Delivery::Welcome(id, you_are.to_bytes()),
            Delivery::Welcome(id, online),
        ];
        let replay = self.replay(
            free_lines.saturating_sub(4),
            free_bytes.saturating_sub(used + 2 * (40 + LINE_OVERHEAD)),
        );
        if !replay.is_empty() {
            let start = ServerLine::HistoryStart(replay.len());
            deliveries.push(Delivery::Welcome(id, start.to_bytes()));
            deliveries.extend(
                replay
                    .iter()
                    .map(|line| Delivery::Welcome(id, line.to_bytes())),
            );
            deliveries.push(Delivery::Welcome(id, ServerLine::HistoryEnd.to_bytes()));
        }
        deliveries.push(Delivery::AllBut(id, ServerLine::Arrived(name)));
        deliveries
    }

    /// The newest history lines that fit in `lines` lines and `bytes`
    /// bytes of a newcomer's queue, oldest first, so the framed block
    /// arrives whole and its count is true.
    fn replay(&self, lines: usize, bytes: usize) -> Vec<ServerLine> {
        let mut budget = bytes;
        let mut replay: Vec<ServerLine> = self
            .history
            .lines()
            .rev()
            .take(lines)
            .take_while(|line| match budget.checked_sub(wire_len(line)) {
                Some(left) => {
                    budget = left;
                    true
                }
                None => false,
            })
            .cloned()
            .collect();
        replay.reverse();
        replay
    }

    fn command(&mut self, id: MemberId, command: Command) -> Vec<Delivery> {
        let Some(from) = self.name(id) else {
            return Vec::new(); // not (or no longer) a member
        };
        let reply = |line| vec![Delivery::Reply(id, line)];
        match command {
            Command::Say(text) => self.talk(ServerLine::Message { from, text }),
            Command::Me(text) => self.talk(ServerLine::Action { from, text }),
            Command::Msg { to, text } => self.private((id, from), &to, text),
            Command::Nick(new) => self.rename((id, from), &new),
            Command::Names => vec![Delivery::Rendered(id, self.online())],
            Command::Quit(reason) => self.quit(id, reason),
            Command::Ping => reply(ServerLine::notice("pong")),
            Command::Stats => reply(self.stats()),
            Command::Help => HELP
                .iter()
                .map(|line| Delivery::Reply(id, ServerLine::notice(line.as_str())))
                .collect(),
            Command::Usage(usage) => reply(ServerLine::error(format!("usage: {usage}"))),
            Command::Unknown(word) => reply(ServerLine::error(format!(
                "unknown command \"{}\", try /help",
                echo(&word)
            ))),
        }
    }

    /// `/stats`: `-- uptime 1h 2m 3s, members 3, lines 120, deliveries 360, skips 0`.
    fn stats(&self) -> ServerLine {
        let metrics = &self.metrics;
        let uptime = Duration::from_secs(metrics.uptime().as_secs());
        ServerLine::notice(format!(
            "uptime {}, members {}, lines {}, deliveries {}, skips {}",
            humantime::format_duration(uptime),
            self.members.len(),
            metrics.lines_received.get(),
            metrics.deliveries.get(),
            metrics.skipped.get(),
        ))
    }

    fn name(&self, id: MemberId) -> Option<Name> {
        self.members.get(&id).map(|member| member.name.clone())
    }

    fn talk(&mut self, line: ServerLine) -> Vec<Delivery> {
        self.history.record(&line);
        vec![Delivery::All(line)]
    }

    /// The member named `raw`: its id and name as it is spelled now.
    fn find(&self, raw: &str) -> Option<(MemberId, Name)> {
        let name = Name::parse(raw).ok()?;
        let id = *self.skeletons.get(&name.skeleton())?;
        Some((id, self.name(id)?))
    }

    fn private(&self, (id, from): (MemberId, Name), to: &str, text: String) -> Vec<Delivery> {
        let Some((target, to)) = self.find(to) else {
            let error = format!("no user named \"{}\"", echo(to));
            return vec![Delivery::Reply(id, ServerLine::error(error))];
        };
        let line = ServerLine::Private { from, to, text };
        let mut deliveries = vec![Delivery::To(id, line.clone())];
        if target != id {
            deliveries.push(Delivery::To(target, line));
        }
        deliveries
    }

    fn rename(&mut self, (id, old): (MemberId, Name), raw: &str) -> Vec<Delivery> {
        let new = match Name::parse(raw) {
            Ok(new) => new,
            Err(err) => {
                let held = err
                    .lookalike()
                    .and_then(|skeleton| self.skeletons.get(skeleton));
                let line = match held {
                    Some(&holder) if holder != id => taken(err.quoted()),
                    _ => ServerLine::error(err.to_string()),
                };
                return vec![Delivery::Reply(id, line)];
            }
        };
        if new == old {
            return Vec::new();
        }
        let own_in_other_case = new.differs_only_in_case(&old);
        if self.skeletons.contains_key(&new.skeleton()) && !own_in_other_case {
            return vec![Delivery::Reply(id, taken(new.as_str()))];
        }
        self.release(&old);
        self.reserve(id, &new);
        if let Some(member) = self.members.get_mut(&id) {
            member.name = new.clone();
        }
        tracing::info!(id, old = ?old, new = ?new, "renamed");
        vec![Delivery::All(ServerLine::Renamed { old, new })]
    }

    /// A reason sits inside the parentheses of `-- NAME has left (...)`,
    /// so it loses its own; one that is nothing else shows as no reason.
    fn quit(&mut self, id: MemberId, reason: Option<String>) -> Vec<Delivery> {
        let reason = reason.map(|reason| sanitize_reason(&reason));
        let shown = match reason.filter(|reason| !reason.is_empty()) {
            Some(reason) => format!("quit: {}", shorten(&reason, QUIT_REASON_CHARS)),
            None => "quit".to_owned(),
        };
        self.remove(id, Some(ByeReason::Quit), Some(shown))
    }

    fn leave(&mut self, id: MemberId, reason: Leave) -> Vec<Delivery> {
        match reason {
            Leave::Closed => self.remove(id, None, None),
            Leave::Idle => self.remove(id, Some(ByeReason::Idle), Some("idle".to_owned())),
            Leave::TooSlow => {
                self.remove(id, Some(ByeReason::TooSlow), Some("too slow".to_owned()))
            }
        }
    }

    /// Takes a member out, says bye to it (if `bye`), and tells the rest.
    fn remove(
        &mut self,
        id: MemberId,
        bye: Option<ByeReason>,
        shown: Option<String>,
    ) -> Vec<Delivery> {
        let Some(member) = self.members.remove(&id) else {
            return Vec::new();
        };
        self.release(&member.name);
        self.count_members();
        match &bye {
            Some(bye) => self.metrics.bye(bye),
            None => self.metrics.disconnect("closed"),
        }
        let name = member.name.clone();
        let reason = shown.as_deref().unwrap_or("closed");
        let peer = member.peer;
        tracing::info!(id, name = ?name, %peer, reason, members = self.members.len(), "left");
        vec![
            Delivery::Farewell(member, bye.map(ServerLine::Bye)),
            Delivery::All(ServerLine::Left {
                name,
                reason: shown,
            }),
        ]
    }
}

/// What `line` holds in a queue: its bytes on the wire, newline
/// included, and the line's overhead.
fn wire_len(line: &ServerLine) -> usize {
    line.to_string().len() + 1 + LINE_OVERHEAD
}

/// The error for a line over the length limit.
pub fn too_long(max_line_bytes: usize) -> ServerLine {
    ServerLine::error(format!(
        "line too long (over {max_line_bytes} bytes), not sent"
    ))
}

/// The error for a name someone else holds.
pub fn taken(name: &str) -> ServerLine {
    ServerLine::error(format!("name \"{name}\" is taken, choose another"))
}

#[cfg(test)]
#[path = "room_tests.rs"]
mod tests;
