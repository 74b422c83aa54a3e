//! The local side of applying: each delivery the fold makes becomes bytes
//! in the outboxes of this server's seats. A room line is rendered once
//! (and once more with tags, if a member reads tags) and shared; members
//! who ignore its sender are passed over; seats that can resume keep it
//! in their backlog.

use std::time::Instant;

use bytes::Bytes;

use super::apply::{Audience, Delivery};
use super::event::MemberId;
use super::seats::{Seat, with_tags};
use super::{JoinReply, Room};
use crate::protocol::{ByeReason, Name, ServerLine, Stamp, Tagged, Tags};
use crate::server::metrics::PushTally;
use crate::server::outbox::{LINE_OVERHEAD, Push, held};

impl Room {
    pub(super) fn deliver(&mut self, deliveries: Vec<Delivery>) {
        for delivery in deliveries {
            match delivery {
                Delivery::Line {
                    stamp,
                    line,
                    to,
                    from,
                } => self.send_line(stamp, &line, to, from),
                Delivery::Welcome { member, stamp } => self.welcome(member, stamp),
                Delivery::JoinLost { member, name } => self.join_lost(member, name),
                Delivery::Farewell {
                    member,
                    bye,
                    name,
                    reason,
                } => self.farewell(member, bye, &name, reason.as_deref()),
            }
        }
    }

    fn send_line(&mut self, stamp: Stamp, line: &ServerLine, to: Audience, from: Option<MemberId>) {
        let started = Instant::now();
        let mut tally = PushTally::default();
        let plain = line.to_bytes();
        let mut tagged = None;
        let (mut taken, mut freed) = (0, 0);
        let mut send = |seat: &mut Seat| {
            // A join not yet applied gets its welcome first (a shared log
            // may hand us lines in between).
            let pending = seat.reply.is_some();
            if !pending && !from.is_some_and(|from| seat.ignoring.contains(&from)) {
                let (took, gave) = seat.send_room_line(stamp, &plain, &mut tagged, &mut tally);
                (taken, freed) = (taken + took, freed + gave);
            }
        };
        match to {
            Audience::All => self.seats.values_mut().for_each(send),
            Audience::AllBut(except) => self
                .seats
                .iter_mut()
                .filter(|(id, _)| **id != except)
                .for_each(|(_, seat)| send(seat)),
            Audience::Pair(one, other) => {
                for id in [one, other]
                    .into_iter()
                    .take(if one == other { 1 } else { 2 })
                {
                    if let Some(seat) = self.seats.get_mut(&id) {
                        send(seat);
                    }
                }
            }
        }
        if self.engine.is_some() {
            self.moves.keep(stamp, &plain, to, from);
        }
        self.metrics.count_broadcast(&tally, started.elapsed());
        self.backlogs_changed(taken, freed);
    }

    /// Keeps every backlog together within the backlog budget: past it,
    /// each is trimmed to three quarters of an even share (what it drops
    /// is counted, so skipped counts stay exact).
    fn backlogs_changed(&mut self, taken: usize, freed: usize) {
        self.backlog_held = (self.backlog_held + taken).saturating_sub(freed);
        if self.backlog_held <= self.settings.backlog_budget {
            return;
        }
        let share = self.settings.backlog_budget / 4 * 3 / self.tokens.len().max(1);
        for seat in self.seats.values_mut() {
            if let Some(resumable) = &mut seat.resumable {
                let freed = resumable.backlog.trim_to(share);
                self.backlog_held = self.backlog_held.saturating_sub(freed);
            }
        }
    }

    /// The newcomer's answer and first lines: who it is, who is here, the
    /// history that fits its queue, who is away.
    fn welcome(&mut self, member: MemberId, stamp: Stamp) {
        let members = self.seats.len();
        let Some(seat) = self.seats.get_mut(&member) else {
            // A member of another server, or one of ours whose seat is gone.
            return self.orphaned(member);
        };
        let Some(conn) = &seat.conn else { return };
        if let Some(reply) = seat.reply.take() {
            let (id, kicked) = (conn.id, conn.kicked.clone());
            if reply.send(JoinReply::Joined { id, kicked }).is_err() {
                return self.depart(member, None, None); // it gave up meanwhile
            }
        }
        let Some(name) = self.state.name(member).cloned() else {
            return;
        };
        let peer = conn.peer;
        tracing::info!(id = member, ?name, %peer, members, "joined");
        let session = if seat.tags {
            self.disclose_token(member)
        } else {
            None
        };
        let you_are = you_are(name, self.state.epoch(), stamp.seq, session);
        let online = self.state.online();
        let away = self.state.away_lines();
        let Some(seat) = self.seats.get(&member) else {
            return;
        };
        let used = held(&you_are) + held(&online);
        let replay = history_that_fits(seat, &self.state, used, away.len());
        let mut frame = vec![you_are, online];
        if !replay.is_empty() {
            frame.push(ServerLine::HistoryStart(replay.len()).to_bytes());
            frame.extend(replay);
            frame.push(ServerLine::HistoryEnd.to_bytes());
        }
        frame.extend(away.iter().map(ServerLine::to_bytes));
        self.send_frame(member, frame);
    }

    /// Sends the lines of a welcome or resume frame; their places in the
    /// queue (`None`: not queued). A member whose replies pile up is too
    /// slow.
    pub(super) fn send_frame(&mut self, member: MemberId, lines: Vec<Bytes>) -> Vec<Option<u64>> {
        let Some(seat) = self.seats.get(&member) else {
            return Vec::new();
        };
        let placed: Vec<Result<u64, Push>> =
            lines.into_iter().map(|line| seat.frame(line)).collect();
        if placed.contains(&Err(Push::Overflow)) {
            self.too_slow(member);
        }
        placed.into_iter().map(Result::ok).collect()
    }

    fn join_lost(&mut self, member: MemberId, name: Name) {
        self.join_failed(member, |outbox| JoinReply::Taken { name, outbox });
    }

    /// Hands a join that did not happen its outbox back, in `answer`.
    pub(super) fn join_failed(
        &mut self,
        member: MemberId,
        answer: impl FnOnce(crate::server::outbox::Outbox) -> JoinReply,
    ) {
        let Some(mut seat) = self.seats.remove(&member) else {
            return;
        };
        self.forget_seat(&seat);
        if let (Some(reply), Some(conn)) = (seat.reply.take(), seat.conn.take()) {
            self.conns.remove(&conn.id);
            let _ = reply.send(answer(conn.outbox));
        }
    }

    fn farewell(
        &mut self,
        member: MemberId,
        bye: Option<ByeReason>,
        name: &Name,
        reason: Option<&str>,
    ) {
        for seat in self.seats.values_mut() {
            seat.ignoring.remove(&member);
        }
        let Some(seat) = self.seats.remove(&member) else {
            return;
        };
        self.forget_seat(&seat);
        let members = self.seats.len();
        let reason = reason.unwrap_or("closed");
        match seat.conn {
            Some(conn) => {
                self.conns.remove(&conn.id);
                let peer = conn.peer;
                tracing::info!(id = member, ?name, %peer, reason, members, "left");
                match &bye {
                    Some(bye) => self.metrics.bye(bye),
                    None => self.metrics.disconnect("closed"),
                }
                conn.close(bye.map(|bye| ServerLine::Bye(bye).to_bytes()));
            }
            // A held seat's connection was counted when it closed.
            None => tracing::info!(id = member, ?name, reason, members, "left"),
        }
    }
}

/// `-- you are NAME`, with its tags when the member reads tags.
pub(super) fn you_are(name: Name, epoch: &str, seq: u64, session: Option<String>) -> Bytes {
    let line = ServerLine::YouAre(name);
    let Some(session) = session else {
        return line.to_bytes();
    };
    let tags = Tags {
        epoch: Some(epoch.to_owned()),
        seq: Some(seq),
        session: Some(session),
        ..Tags::default()
    };
    Bytes::from(format!("{}\n", Tagged { tags, line }))
}

/// The newest history lines (tagged if the member reads tags) that fit
/// in its queue beside `used` bytes and `away` lines of welcome, oldest
/// first, so the framed block arrives whole and its count is true.
fn history_that_fits(
    seat: &Seat,
    state: &super::RoomState,
    used: usize,
    away: usize,
) -> Vec<Bytes> {
    let Some(conn) = &seat.conn else {
        return Vec::new();
    };
    let (free_lines, free_bytes) = conn.outbox.room_left();
    let mut budget = free_bytes.saturating_sub(used + 2 * (40 + LINE_OVERHEAD));
    let mut replay: Vec<Bytes> = state
        .history()
        .lines()
        .rev()
        .take(free_lines.saturating_sub(4 + away))
        .map(|(stamp, line)| {
            let plain = line.to_bytes();
            if seat.tags {
                with_tags(*stamp, &plain)
            } else {
                plain
            }
        })
        .take_while(|line| match budget.checked_sub(held(line)) {
            Some(left) => {
                budget = left;
                true
            }
            None => false,
        })
        .collect();
    replay.reverse();
    replay
}
