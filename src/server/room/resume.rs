//! Held seats and `/resume`: a tagged member whose link broke keeps its
//! seat for `--resume-window`, and a new connection with its token takes
//! it back, gets exactly the lines it missed (or how many were lost), and
//! nobody else notices.

use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;

use super::deliver::you_are;
use super::event::MemberId;
use super::seats::{Conn, Seat, with_tags};
use super::token::Token;
use super::{JoinReply, Room};
use crate::protocol::{ByeReason, Seq, ServerLine};
use crate::server::outbox::{LINE_OVERHEAD, held};

/// Lines of the resume frame around the missed lines, after `-- you are`
/// and `-- online`: `-- resumed`, `-- N messages skipped`, `-- end of
/// resumed`.
const FRAME_LINES: usize = 3;

impl Room {
    /// Whether a closed connection keeps its member's seat.
    pub(super) fn holds_seat(&self, member: MemberId) -> bool {
        self.settings.resume_window.is_some()
            && self.seats.get(&member).is_some_and(|seat| seat.tags)
    }

    /// Keeps the seat without its connection; nobody is told.
    pub(super) fn hold(&mut self, member: MemberId) {
        let (Some(window), Some(seat)) = (self.settings.resume_window, self.seats.get_mut(&member))
        else {
            return;
        };
        seat.written_when_held = Some(seat.last_written(self.state.applied()));
        if let Some(conn) = seat.conn.take() {
            self.conns.remove(&conn.id);
            conn.close(None);
            // The connection ended; the member stays (see `count_members`).
            self.metrics.disconnect("closed");
        }
        // A window too long to add to a clock reading means a year.
        let now = Instant::now();
        let until = now
            .checked_add(window)
            .unwrap_or(now + Duration::from_secs(365 * 24 * 3600));
        seat.held_until = Some(until);
        self.make_room_for_a_hold();
        self.holds.push_back((until, member));
        tracing::info!(id = member, "seat held");
    }

    /// Bounds the seats held at once (each keeps a backlog): past
    /// `max_held`, the oldest hold ends early.
    fn make_room_for_a_hold(&mut self) {
        while self.holds.len() >= self.settings.max_held.max(1) {
            let Some((until, member)) = self.holds.pop_front() else {
                return;
            };
            if self.is_held(member, until) {
                self.depart(member, Some("connection lost".into()), None);
            }
        }
    }

    fn is_held(&self, member: MemberId, until: Instant) -> bool {
        self.seats
            .get(&member)
            .is_some_and(|seat| seat.held_until == Some(until))
    }

    /// When the next held seat is given up.
    pub fn next_expiry(&self) -> Option<Instant> {
        let local = self.holds.front().map(|(until, _)| *until);
        match (local, self.moves.next_expiry()) {
            (Some(one), Some(other)) => Some(one.min(other)),
            (one, other) => one.or(other),
        }
    }

    /// Gives up the seats held past `now`: `-- NAME has left (connection lost)`.
    pub fn expire(&mut self, now: Instant) {
        while let Some(&(until, member)) = self.holds.front() {
            if until > now {
                break;
            }
            self.holds.pop_front();
            if self.is_held(member, until) {
                self.depart(member, Some("connection lost".into()), None);
            }
        }
        self.expire_remote(now);
        self.catch_up();
    }

    pub(super) fn resume(
        &mut self,
        token: &str,
        seq: Option<Seq>,
        mut conn: Conn,
        tags: bool,
        mut reply: oneshot::Sender<JoinReply>,
    ) {
        if self.find_token(token).is_none() {
            match self.claim(token, seq, conn, tags, reply) {
                Some(back) => (conn, reply) = back,
                None => return, // another server's member: claimed
            }
        }
        let refusal = match self.find_token(token) {
            None => Err("unknown or expired session".to_owned()),
            Some(_) if seq.is_some_and(|seq| seq > self.state.applied()) => Err(format!(
                "the room never reached seq {}",
                seq.unwrap_or_default()
            )),
            Some(member) => Ok(member),
        };
        let member = match refusal {
            Ok(member) => member,
            Err(reason) => {
                let outbox = conn.outbox;
                let _ = reply.send(JoinReply::Refused { reason, outbox });
                return;
            }
        };
        if reply.is_closed() {
            return;
        }
        let id = self.take_id();
        let Some(seat) = self.seats.get_mut(&member) else {
            return;
        };
        let since = seq.unwrap_or_else(|| seat.last_written(self.state.applied()));
        if let Some(ghost) = seat.conn.take() {
            self.conns.remove(&ghost.id);
            tracing::info!(id = member, peer = %ghost.peer, "resumed elsewhere");
            self.metrics.bye(&ByeReason::ResumedElsewhere);
            ghost.close(Some(
                ServerLine::Bye(ByeReason::ResumedElsewhere).to_bytes(),
            ));
        }
        let mut conn = conn;
        conn.id = id;
        let answer = JoinReply::Joined {
            id,
            kicked: conn.kicked.clone(),
        };
        if reply.send(answer).is_err() {
            // Gone already: the seat is held, or leaves, as if it broke now.
            return self.after_lost_resume(member);
        }
        tracing::info!(id = member, peer = %conn.peer, since, "resumed");
        self.conns.insert(id, member);
        self.seat_on(member, conn, tags, since);
    }

    /// The member whose token is `text`.
    fn find_token(&self, text: &str) -> Option<MemberId> {
        let member = *self.tokens.get(&Token::parse(text)?)?;
        let resumable = self.seats.get(&member)?.resumable.as_ref()?;
        resumable.token.matches(text).then_some(member)
    }

    fn after_lost_resume(&mut self, member: MemberId) {
        if self.holds_seat(member) {
            self.hold(member);
        } else {
            self.depart(member, None, None);
        }
    }

    /// Puts the seat on its new connection and sends the resume frame:
    /// `-- you are`, `-- online`, `-- resumed (K)`, `-- N messages
    /// skipped` if some are lost, the K lines, `-- end of resumed`.
    pub(super) fn seat_on(&mut self, member: MemberId, conn: Conn, tags: bool, since: Seq) {
        let Some(session) = self.rotate_token(member) else {
            return;
        };
        let Some(name) = self.state.name(member).cloned() else {
            return;
        };
        let online = self.state.online();
        let (epoch, head) = (self.state.epoch().to_owned(), self.state.applied());
        let Some(seat) = self.seats.get_mut(&member) else {
            return;
        };
        seat.conn = Some(conn);
        seat.tags = tags;
        seat.held_until = None;
        seat.written_when_held = None;
        let you_are = you_are(name, &epoch, head, tags.then_some(session));
        let used = held(&you_are) + held(&online);
        let (lost, missed) = missed_that_fit(seat, since, used);
        let mut frame = vec![
            you_are,
            online,
            ServerLine::ResumedStart(missed.len()).to_bytes(),
        ];
        if lost > 0 {
            frame.push(ServerLine::Skipped(lost).to_bytes());
        }
        let first = frame.len();
        let seqs: Vec<Seq> = missed.iter().map(|(seq, _)| *seq).collect();
        frame.extend(missed.into_iter().map(|(_, line)| line));
        frame.push(ServerLine::ResumedEnd.to_bytes());
        let placed = self.send_frame(member, frame);
        let places: Vec<(Seq, Option<u64>)> = seqs
            .into_iter()
            .zip(
                placed
                    .into_iter()
                    .skip(first)
                    .chain(std::iter::repeat(None)),
            )
            .collect();
        let resumable = self
            .seats
            .get_mut(&member)
            .and_then(|s| s.resumable.as_mut());
        if let Some(resumable) = resumable {
            resumable.backlog.renumber(since, |seq| {
                let at = places.binary_search_by_key(&seq, |(seq, _)| *seq).ok()?;
                places[at].1
            });
        }
    }
}

/// The member's lines after `since` that fit its new queue beside `used`
/// bytes of frame (tagged if it reads tags), oldest first, and how many
/// more there were: lost, or not fitting.
fn missed_that_fit(seat: &Seat, since: Seq, used: usize) -> (u64, Vec<(Seq, Bytes)>) {
    let (Some(conn), Some(resumable)) = (&seat.conn, &seat.resumable) else {
        return (0, Vec::new());
    };
    let (free_lines, free_bytes) = conn.outbox.room_left();
    let missed = resumable.backlog.after(since);
    let render = |plain: &Bytes, stamp| {
        if seat.tags {
            with_tags(stamp, plain)
        } else {
            plain.clone()
        }
    };
    let mut budget = free_bytes.saturating_sub(used + FRAME_LINES * (40 + LINE_OVERHEAD));
    let mut lines: Vec<(Seq, Bytes)> = missed
        .kept
        .iter()
        .rev()
        .take(free_lines.saturating_sub(2 + FRAME_LINES))
        .map(|kept| (kept.stamp.seq, render(&kept.line, kept.stamp)))
        .take_while(|(_, line)| match budget.checked_sub(held(line)) {
            Some(left) => {
                budget = left;
                true
            }
            None => false,
        })
        .collect();
    lines.reverse();
    let lost = missed.lost + (missed.kept.len() - lines.len()) as u64;
    (lost, lines)
}
