//! Resuming on another server of a shared room. A token this server does
//! not know may be another server's: the claim goes through the log (the
//! first claim in its order wins), the old server lets its ghost go, and
//! this one sends what the member missed from the lines it keeps of the
//! whole room. Seats of a dead server's tagged members are held by every
//! server for the resume window.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;

use super::apply::Audience;
use super::backlog::{Backlog, Kept};
use super::event::{Control, MemberId};
use super::seats::{Conn, Resumable, Seat};
use super::sessions::Applied;
use super::shared::SERVER_LOST;
use super::token::Token;
use super::{JoinReply, Room};
use crate::protocol::{ByeReason, Seq, ServerLine, Stamp};

/// Room lines whose seq and audience are kept for members resuming from
/// another server (so that what they lost is counted exactly).
const RECENT_LINES: usize = 65_536;
/// Of those, the newest whose text is kept too (at least a queue's worth:
/// a resume sends no more than fits a queue, and counts the rest).
const RECENT_TEXT: usize = 4096;

/// A room line kept for moves.
#[derive(Debug)]
struct Recent {
    stamp: Stamp,
    line: Option<Bytes>,
    to: Audience,
    from: Option<MemberId>,
}

/// A resume waiting for its claim to come back through the log.
#[derive(Debug)]
struct Claim {
    since: Seq,
    conn: Conn,
    tags: bool,
    reply: oneshot::Sender<JoinReply>,
}

impl Claim {
    /// The resume is refused for `reason`; login goes on with a name.
    fn refuse(self, reason: &str) {
        let (reason, outbox) = (reason.to_owned(), self.conn.outbox);
        let _ = self.reply.send(JoinReply::Refused { reason, outbox });
    }
}

/// What a shared room's server keeps for moves (see the module doc).
#[derive(Debug, Default)]
pub(super) struct Moves {
    claims: HashMap<String, Claim>,
    /// The room's last lines: seq and time, wire text (the newest only),
    /// who got them, whose talk it was.
    recent: VecDeque<Recent>,
    /// How many of the newest lines keep their text.
    text_lines: usize,
    /// Lines at or below this seq are no longer kept in `recent`.
    floor: Seq,
    /// Seats of dead servers' members, held until a deadline.
    holds: VecDeque<(Instant, MemberId)>,
    held: HashSet<MemberId>,
}

impl Moves {
    /// Moves from a log at `floor`, for members whose queues hold at most
    /// `queue_lines` lines.
    pub(super) fn starting_at(floor: Seq, queue_lines: usize) -> Moves {
        Moves {
            floor,
            text_lines: RECENT_TEXT.max(queue_lines),
            ..Moves::default()
        }
    }

    /// Keeps a room line for members who may resume here.
    pub(super) fn keep(
        &mut self,
        stamp: Stamp,
        line: &Bytes,
        to: Audience,
        from: Option<MemberId>,
    ) {
        if self.recent.len() == RECENT_LINES.max(self.text_lines + 1)
            && let Some(dropped) = self.recent.pop_front()
        {
            self.floor = dropped.stamp.seq;
        }
        let line = Some(line.clone());
        self.recent.push_back(Recent {
            stamp,
            line,
            to,
            from,
        });
        if let Some(older) = self.recent.len().checked_sub(self.text_lines + 1) {
            self.recent[older].line = None;
        }
    }

    /// Refuses the claims waiting: the log they were made in is gone.
    pub(super) fn refuse_claims(self) {
        for claim in self.claims.into_values() {
            claim.refuse("the room restarted: join again");
        }
    }

    pub(super) fn next_expiry(&self) -> Option<Instant> {
        self.holds.front().map(|(until, _)| *until)
    }

    /// The lines after `since` that `member` got (not those of members
    /// in `ignoring`).
    fn missed(
        &self,
        member: MemberId,
        since: Seq,
        ignoring: &BTreeSet<MemberId>,
        backlog: &mut Backlog,
    ) {
        let lines = self.recent.iter().filter(|recent| {
            recent.stamp.seq > since
                && !recent.from.is_some_and(|from| ignoring.contains(&from))
                && match recent.to {
                    Audience::All => true,
                    Audience::AllBut(except) => except != member,
                    Audience::Pair(one, other) => member == one || member == other,
                }
        });
        // A line whose text is gone is older than every one kept: it is
        // counted among the skipped.
        for recent in lines {
            let Some(line) = recent.line.clone() else {
                backlog.lost(recent.stamp.seq);
                continue;
            };
            backlog.record(Kept {
                stamp: recent.stamp,
                line,
                ordinal: None,
            });
        }
    }
}

impl Room {
    /// A resume with a token of a member on another server: claims it.
    /// Gives the connection back if the token is not another server's.
    pub(super) fn claim(
        &mut self,
        token: &str,
        seq: Option<Seq>,
        conn: Conn,
        tags: bool,
        reply: oneshot::Sender<JoinReply>,
    ) -> Option<(Conn, oneshot::Sender<JoinReply>)> {
        let Some(digest) = Token::parse(token).map(|token| token.digest()) else {
            return Some((conn, reply));
        };
        let sessions = self.state.sessions();
        let here = sessions.member(&digest).map(|m| sessions.home(m)) == Some(self.node);
        if self.engine.is_none() || here {
            return Some((conn, reply));
        }
        let refusal = match seq {
            None => Some("that session is on another server: send /resume TOKEN SEQ".into()),
            Some(seq) if seq < self.moves.floor => {
                Some("too far behind to resume on this server".to_owned())
            }
            Some(_) => None,
        };
        if let Some(reason) = refusal {
            let outbox = conn.outbox;
            let _ = reply.send(JoinReply::Refused { reason, outbox });
            return None;
        }
        let since = seq.unwrap_or_default();
        let claim = Claim {
            since,
            conn,
            tags,
            reply,
        };
        self.moves.claims.insert(digest.clone(), claim);
        let to = self.node;
        self.log.control(Control::Moved {
            to,
            claimed: digest,
        });
        None
    }

    /// Applies a control entry of the shared log.
    pub(super) fn take_control(&mut self, control: Control) {
        match self.state.control(control) {
            Applied::Noted => {}
            Applied::ClaimLost { to, claimed } if to == self.node => {
                self.refuse_claim(&claimed, "unknown or expired session");
            }
            Applied::ClaimLost { .. } => {}
            Applied::Moved {
                member,
                from,
                to,
                claimed,
            } => self.moved(member, from, to, &claimed),
        }
    }

    /// A claim that could not be ordered or lost its race.
    pub(super) fn refuse_claim(&mut self, claimed: &str, reason: &str) {
        if let Some(claim) = self.moves.claims.remove(claimed) {
            claim.refuse(reason);
        }
    }

    fn moved(&mut self, member: MemberId, from: u64, to: u64, claimed: &str) {
        if self.moves.held.remove(&member) {
            self.moves.holds.retain(|(_, held)| *held != member);
        }
        if from == self.node
            && to != self.node
            && let Some(seat) = self.seats.remove(&member)
        {
            self.forget_seat(&seat);
            if let Some(ghost) = seat.conn {
                self.conns.remove(&ghost.id);
                tracing::info!(id = member, to, "resumed on another server");
                self.metrics.bye(&ByeReason::ResumedElsewhere);
                ghost.close(Some(
                    ServerLine::Bye(ByeReason::ResumedElsewhere).to_bytes(),
                ));
            }
        }
        if to != self.node {
            return;
        }
        let Some(claim) = self.moves.claims.remove(claimed) else {
            // Claimed here before a restart: nobody is waiting for it.
            return self.depart(member, Some("connection lost".into()), None);
        };
        self.seat_claim(member, claim);
    }

    /// Seats a member that moved here, as a resume does.
    fn seat_claim(&mut self, member: MemberId, claim: Claim) {
        // Checked only now: the old server may have been a little ahead
        // of this one, and the claim comes after all it had sent.
        if claim.since > self.state.applied() {
            let reason = format!("the room never reached seq {}", claim.since);
            claim.refuse(&reason);
            return self.depart(member, Some("connection lost".into()), None);
        }
        let Claim {
            since,
            mut conn,
            tags,
            reply,
        } = claim;
        let (lines, bytes) = (self.settings.queue_lines, self.settings.queue_bytes);
        let mut backlog = Backlog::new(lines, bytes);
        let ignoring = self.state.sessions().ignoring(member);
        self.moves.missed(member, since, &ignoring, &mut backlog);
        let id = self.take_id();
        conn.id = id;
        let answer = JoinReply::Joined {
            id,
            kicked: conn.kicked.clone(),
        };
        if reply.send(answer).is_err() {
            return self.depart(member, Some("connection lost".into()), None);
        }
        tracing::info!(id = member, peer = %conn.peer, since, "resumed from another server");
        let token = Token::random();
        self.tokens.insert(token.clone(), member);
        let resumable = Some(Box::new(Resumable { token, backlog }));
        let seat = Seat {
            resumable,
            ignoring,
            ..Seat::held(tags)
        };
        self.seats.insert(member, seat);
        self.conns.insert(id, member);
        self.seat_on(member, conn, tags, since);
    }

    /// A dead server's members: tagged ones are held for the resume
    /// window, the others leave now.
    pub(super) fn node_lost(&mut self, node: u64) {
        let sessions = self.state.sessions();
        let gone: Vec<(MemberId, bool)> = self
            .state
            .members
            .keys()
            .copied()
            .filter(|member| sessions.home(*member) == node)
            .map(|member| (member, sessions.resumable(member)))
            .collect();
        let now = Instant::now();
        for (member, resumable) in gone {
            match self.settings.resume_window {
                Some(window) if resumable => {
                    if self.moves.held.insert(member) {
                        tracing::info!(id = member, node, "seat held: its server was lost");
                        // A window too long to add to a clock reading: a year.
                        let until = now.checked_add(window);
                        let until = until.unwrap_or(now + Duration::from_secs(365 * 24 * 3600));
                        self.moves.holds.push_back((until, member));
                    }
                }
                _ => self.append_leave(member, SERVER_LOST),
            }
        }
    }

    /// Gives up the dead servers' seats held past `now`.
    pub(super) fn expire_remote(&mut self, now: Instant) {
        while let Some(&(until, member)) = self.moves.holds.front() {
            if until > now {
                break;
            }
            self.moves.holds.pop_front();
            if self.moves.held.remove(&member) && self.state.name(member).is_some() {
                self.append_leave(member, SERVER_LOST);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Timestamp;

    #[test]
    fn lines_whose_text_is_gone_are_counted_exactly_not_sent() {
        let mut moves = Moves {
            text_lines: 3,
            ..Moves::default()
        };
        let stamp = |seq| Stamp {
            seq,
            time: Timestamp(0),
        };
        let line = |text: &str| Bytes::from(format!("{text}\n"));
        moves.keep(stamp(1), &line("one"), Audience::All, None);
        moves.keep(stamp(2), &line("two"), Audience::All, None);
        moves.keep(stamp(3), &line("others"), Audience::Pair(8, 9), Some(8));
        moves.keep(stamp(4), &line("not to 7"), Audience::AllBut(7), None);
        moves.keep(stamp(5), &line("five"), Audience::All, Some(8));
        moves.keep(stamp(6), &line("ignored"), Audience::All, Some(9));
        moves.keep(stamp(7), &line("to 7"), Audience::Pair(7, 8), Some(8));
        let mut backlog = Backlog::new(10, 10_000);
        moves.missed(7, 1, &BTreeSet::from([9]), &mut backlog);
        let missed = backlog.after(1);
        assert_eq!(missed.lost, 1, "seq 2: its text is gone; 6 is ignored");
        let kept: Vec<&Bytes> = missed.kept.iter().map(|k| &k.line).collect();
        assert_eq!(kept, [&line("five"), &line("to 7")]);
    }
}
