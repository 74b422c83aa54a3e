//! Deciding: what a request makes happen. Room events go to the log
//! (and reach members only once applied); answers that concern the
//! sender alone (errors, `/names`, `/help`, `/ignore`) are sent at once.

use std::sync::LazyLock;

use bytes::Bytes;

use tokio::sync::oneshot;

use super::event::{Event, MemberId};
use super::seats::{Conn, Seat};
use super::{JoinReply, Leave, Request, Room};
use crate::protocol::sanitize::{echo, sanitize_reason};
use crate::protocol::{ByeReason, Command, Name, ServerLine, Timestamp, shorten};
use crate::server::outbox::Push;

/// Longest `/quit` reason or away message shown to the room, in characters.
const REASON_CHARS: usize = 64;

static HELP: LazyLock<Vec<String>> = LazyLock::new(|| {
    include_str!("../../../assets/help.txt")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect()
});

impl Room {
    pub(super) fn decide(&mut self, request: Request) {
        match request {
            Request::Join {
                name,
                outbox,
                peer,
                tags,
                reply,
            } => self.join(name, Conn::new(0, outbox, peer), tags, reply),
            Request::Resume {
                token,
                seq,
                outbox,
                peer,
                tags,
                reply,
            } => self.resume(&token, seq, Conn::new(0, outbox, peer), tags, reply),
            Request::Command { id, command } => {
                if let Some(member) = self.conns.get(&id).copied() {
                    self.command(member, command);
                }
            }
            Request::TooLong { id } => {
                if let Some(member) = self.conns.get(&id).copied() {
                    self.reply(member, too_long(self.settings.max_line_bytes));
                }
            }
            Request::Leave { id, reason } => self.leave(id, reason),
            Request::IsTaken { skeleton, reply } => {
                let _ = reply.send(self.state.holder(&skeleton).is_some());
            }
            Request::Admit { addr, reply } => {
                let banned = self.state.bans().banning_addr(addr, Timestamp::now());
                let _ = reply.send(banned.is_none());
            }
            Request::OperChecked {
                conn,
                addr,
                account,
                ok,
            } => self.oper_checked(conn, addr, account, ok),
        }
    }

    fn join(&mut self, name: Name, mut conn: Conn, tags: bool, reply: oneshot::Sender<JoinReply>) {
        if self.state.is_taken(&name) {
            let outbox = conn.outbox;
            let _ = reply.send(JoinReply::Taken { name, outbox });
            return;
        }
        if self.state.bans().bans_name(&name, Timestamp::now()) {
            let outbox = conn.outbox;
            let _ = reply.send(JoinReply::Banned { name, outbox });
            return;
        }
        if reply.is_closed() {
            return; // the connection gave up meanwhile
        }
        let member = self.take_id();
        conn.id = member;
        self.conns.insert(member, member);
        self.seats.insert(member, Seat::new(conn, tags, reply));
        self.log.append(Event::Joined { member, name });
    }

    fn command(&mut self, member: MemberId, command: Command) {
        if self.silenced(member, &command) {
            return;
        }
        match command {
            Command::Say(text) => self.log.append(Event::Said { member, text }),
            Command::Me(text) => self.log.append(Event::Acted { member, text }),
            Command::Msg { to, text } => self.private(member, &to, text),
            Command::Nick(new) => self.rename(member, &new),
            Command::Names => self.names(member),
            Command::Quit(reason) => self.quit(member, reason),
            Command::Ping => self.barrier(member),
            Command::Stats => self.stats(member),
            Command::Help => {
                for line in HELP.iter() {
                    self.reply(member, ServerLine::notice(line.as_str()));
                }
            }
            Command::Away(message) => {
                let message = message.map(|m| clean_reason(&m)).filter(|m| !m.is_empty());
                self.log.append(Event::Away { member, message });
            }
            Command::Back if self.state.is_away(member) => self.log.append(Event::Back { member }),
            Command::Back => self.reply(member, ServerLine::error("you are not away")),
            Command::Ignore(None) => self.ignore_list(member),
            Command::Ignore(Some(name)) => self.ignore(member, &name),
            Command::Unignore(name) => self.unignore(member, &name),
            Command::Session => self.session(member),
            Command::Tags | Command::Resume { .. } => {
                let error = "that is a login command: send it before your name";
                self.reply(member, ServerLine::error(error));
            }
            Command::Oper { account, password } => self.oper(member, account, password),
            Command::Kick { name, reason } => self.kick(member, &name, reason),
            Command::Ban {
                target,
                duration,
                reason,
            } => self.ban(member, &target, duration, reason),
            Command::Unban(target) => self.unban(member, &target),
            Command::Bans => self.list_bans(member),
            Command::Mute { name, duration } => self.mute(member, &name, duration),
            Command::Unmute(name) => self.unmute(member, &name),
            Command::Usage(usage) => {
                self.reply(member, ServerLine::error(format!("usage: {usage}")))
            }
            Command::Unknown(word) => {
                let error = format!("unknown command \"{}\", try /help", echo(&word));
                self.reply(member, ServerLine::error(error));
            }
        }
    }

    /// Sends `line` to the member's connection (not numbered, not kept).
    pub(super) fn reply(&mut self, member: MemberId, line: ServerLine) {
        self.reply_bytes(member, line.to_bytes());
    }

    /// A rendered reply; a member whose replies pile up is too slow.
    pub(super) fn reply_bytes(&mut self, member: MemberId, line: Bytes) {
        let overflow = self
            .seats
            .get(&member)
            .is_some_and(|seat| seat.reply(line) == Push::Overflow);
        if overflow {
            self.too_slow(member);
        }
    }

    /// Closes a member that does not read its own replies (once).
    pub(super) fn too_slow(&mut self, member: MemberId) {
        let connected = self
            .seats
            .get(&member)
            .and_then(|seat| seat.conn.as_ref())
            .is_some_and(|conn| self.conns.contains_key(&conn.id));
        if connected {
            self.depart(member, Some("too slow".into()), Some(ByeReason::TooSlow));
        }
    }

    fn barrier(&mut self, member: MemberId) {
        let Some(conn) = self.seats.get(&member).and_then(|s| s.conn.as_ref()) else {
            return;
        };
        let conn = conn.id;
        self.log.barrier(conn);
    }

    fn names(&mut self, member: MemberId) {
        let online = self.state.online();
        self.reply_bytes(member, online);
        for line in self.state.away_lines() {
            self.reply(member, line);
        }
    }

    /// The target of `/msg`, `/ignore`, ...; tells the member when unknown.
    pub(super) fn target(&mut self, member: MemberId, raw: &str) -> Option<MemberId> {
        let found = self.state.find(raw);
        if found.is_none() {
            let error = format!("no user named \"{}\"", echo(raw));
            self.reply(member, ServerLine::error(error));
        }
        found
    }

    fn private(&mut self, from: MemberId, to: &str, text: String) {
        if let Some(to) = self.target(from, to) {
            self.log.append(Event::Private { from, to, text });
        }
    }

    fn rename(&mut self, member: MemberId, raw: &str) {
        let new = match Name::parse(raw) {
            Ok(new) => new,
            Err(err) => {
                let holder = err
                    .lookalike()
                    .and_then(|skeleton| self.state.holder(skeleton));
                let line = match holder {
                    Some(holder) if holder != member => taken(err.quoted()),
                    _ => ServerLine::error(err.to_string()),
                };
                return self.reply(member, line);
            }
        };
        let Some(old) = self.state.name(member).cloned() else {
            return;
        };
        if new == old {
            return;
        }
        if self.state.is_taken(&new) && !new.differs_only_in_case(&old) {
            return self.reply(member, taken(new.as_str()));
        }
        tracing::info!(id = member, old = ?old, new = ?new, "renamed");
        self.log.append(Event::Renamed { member, new });
    }

    fn quit(&mut self, member: MemberId, reason: Option<String>) {
        let shown = match reason.map(|r| clean_reason(&r)).filter(|r| !r.is_empty()) {
            Some(reason) => format!("quit: {reason}"),
            None => "quit".to_owned(),
        };
        self.depart(member, Some(shown), Some(ByeReason::Quit));
    }

    fn leave(&mut self, conn: super::ConnId, reason: Leave) {
        let Some(member) = self.conns.get(&conn).copied() else {
            return; // a connection that was replaced or removed already
        };
        match reason {
            Leave::Closed if self.holds_seat(member) => self.hold(member),
            Leave::Closed => self.depart(member, None, None),
            Leave::Idle => self.depart(member, Some("idle".into()), Some(ByeReason::Idle)),
            Leave::TooSlow => {
                self.depart(member, Some("too slow".into()), Some(ByeReason::TooSlow));
            }
        }
    }

    /// Appends the member's leave (once: its connection stops counting).
    pub(super) fn depart(
        &mut self,
        member: MemberId,
        reason: Option<String>,
        bye: Option<ByeReason>,
    ) {
        if let Some(conn) = self.seats.get(&member).and_then(|s| s.conn.as_ref()) {
            self.conns.remove(&conn.id);
        }
        self.log.append(Event::Left {
            member,
            reason,
            bye,
        });
    }
}

/// A reason or away message as the room shows it: no parentheses (they
/// would close the notice's own), shortened.
pub(super) fn clean_reason(text: &str) -> String {
    shorten(&sanitize_reason(text), REASON_CHARS)
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
