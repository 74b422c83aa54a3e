//! Taking what the log hands back: entries go through the fold; the rest
//! is what only a shared log produces (refusals, a lost epoch, a dead
//! server), answered on this server's side.

use super::event::{Control, Event, MemberId};
use super::log::{LogItem, Refusal};
use super::moves::Moves;
use super::{JoinReply, Room, RoomState, taken};
use crate::protocol::{ByeReason, ServerLine};
use crate::server::history::History;

/// The leave reason of the members of a server that died.
pub const SERVER_LOST: &str = "server lost";

impl Room {
    pub(super) fn take(&mut self, item: LogItem) {
        match item {
            LogItem::Entry(entry) => {
                let deliveries = self.state.apply(entry);
                self.deliver(deliveries);
                if self.log.snapshot_due(self.state.applied()) {
                    let snapshot = self.state.snapshot();
                    self.log.keep_snapshot(snapshot);
                }
            }
            LogItem::Reload(snapshot) => {
                tracing::warn!(
                    seq = snapshot.applied,
                    "fell behind the room's trimmed log: reloading"
                );
                let capacity = self.state.history().capacity();
                self.restart(RoomState::from_snapshot(*snapshot, capacity));
            }
            LogItem::Barrier { conn, seq } => self.barriers.push_back((seq, conn)),
            LogItem::BarrierRefused { conn } => {
                if let Some(member) = self.conns.get(&conn).copied() {
                    self.reply(member, ServerLine::unavailable());
                }
            }
            LogItem::Refused { event, why } => self.refused(event, why),
            LogItem::NewEpoch { epoch } => self.new_epoch(epoch),
            LogItem::NodeLost { node } => self.node_lost(node),
            LogItem::Control(control) => self.take_control(control),
            LogItem::ControlRefused(Control::Moved { claimed, .. }) => {
                self.refuse_claim(&claimed, "the room is unavailable, try again");
            }
            LogItem::ControlRefused(Control::Session { .. } | Control::Ignoring { .. }) => {}
        }
    }

    /// Tells the member whose event was not ordered, where it is still
    /// here to be told. Leaves and operators' actions are never refused
    /// as unavailable (the engine keeps them until they land).
    fn refused(&mut self, event: Event, why: Refusal) {
        match (event, why) {
            (Event::Joined { member, name }, Refusal::Taken | Refusal::Absent) => {
                self.join_failed(member, |outbox| JoinReply::Taken { name, outbox });
            }
            (Event::Joined { member, .. }, Refusal::Unavailable) => {
                self.join_failed(member, |outbox| JoinReply::Unavailable { outbox });
            }
            (Event::Renamed { member, new }, Refusal::Taken) => {
                self.reply(member, taken(new.as_str()));
            }
            (
                Event::Renamed { member, .. }
                | Event::Said { member, .. }
                | Event::Acted { member, .. }
                | Event::Private { from: member, .. }
                | Event::Away { member, .. }
                | Event::Back { member },
                Refusal::Unavailable,
            ) => self.reply(member, ServerLine::unavailable()),
            (Event::Private { from, to, .. }, Refusal::Recipient) => {
                let line = match self.state.name(to) {
                    Some(name) => format!("{name} has left the room, not sent"),
                    None => "they have left the room, not sent".to_owned(),
                };
                self.reply(from, ServerLine::error(line));
            }
            (Event::Private { .. }, Refusal::Absent | Refusal::Taken) => {}
            (
                Event::Renamed { .. }
                | Event::Said { .. }
                | Event::Acted { .. }
                | Event::Away { .. }
                | Event::Back { .. }
                | Event::Left { .. }
                | Event::Removed { .. }
                | Event::Banned { .. }
                | Event::Unbanned { .. }
                | Event::Muted { .. }
                | Event::Unmuted { .. },
                _,
            ) => {}
            (Event::Joined { member, name }, Refusal::Recipient) => {
                self.join_failed(member, |outbox| JoinReply::Taken { name, outbox });
            }
        }
    }

    /// The engine lost the log: the room starts again, empty, under the
    /// new epoch. Members here are told their history is gone and let go
    /// (a client joins again; its old seq means nothing now).
    fn new_epoch(&mut self, epoch: String) {
        tracing::warn!(%epoch, "the room's log was lost: new epoch, members join again");
        let capacity = self.state.history().capacity();
        let notice = "the room lost its history (new epoch): join again";
        self.restart_with(RoomState::new(History::numbered(capacity, epoch)), notice);
    }

    /// Goes on from `state`, letting this server's members go (they
    /// join again and get the room as it is now).
    fn restart(&mut self, state: RoomState) {
        self.restart_with(state, "this server fell behind the room: join again");
    }

    fn restart_with(&mut self, state: RoomState, notice: &str) {
        let notice = ServerLine::notice(notice).to_bytes();
        for seat in self.seats.values() {
            if seat.conn.is_some() {
                let _ = seat.reply(notice.clone());
            }
        }
        // Their leaves go out too: where they are still in the room (a
        // reload), they leave it; in a new epoch nobody is.
        self.close_all(ByeReason::Other("room restarted".into()));
        self.holds.clear();
        self.barriers.clear();
        // What was kept for moves belongs to the old log.
        let fresh = Moves::starting_at(state.applied(), self.settings.queue_lines);
        let old = std::mem::replace(&mut self.moves, fresh);
        old.refuse_claims();
        self.state = state;
        // Members of this server the new state has (joins the old one
        // had not applied yet) have no seat any more: they leave.
        self.leave_shared_room(&ByeReason::Other("room restarted".into()));
    }

    /// A member of this server the fold has but no seat here (its seat
    /// went with a restart of the room): it leaves, or would hold its
    /// name for good.
    pub(super) fn orphaned(&mut self, member: MemberId) {
        if self.engine.is_some() && self.state.sessions().home(member) == self.node {
            self.append_leave(member, "connection lost");
        }
    }

    /// Appends the leave of a member with no connection here to say bye
    /// to (the others read `reason`).
    pub(super) fn append_leave(&mut self, member: MemberId, reason: &str) {
        self.log.append(Event::Left {
            member,
            reason: Some(reason.to_owned()),
            bye: None,
        });
    }

    /// Member ids of this room start at `node`'s first id.
    pub fn with_node(mut self, node: u64) -> Room {
        self.node = node;
        self.next_id = super::event::first_id(node);
        self
    }

    /// The room runs on a shared log whose engine stops with the room.
    pub fn with_engine(mut self, engine: tokio_util::sync::DropGuard) -> Room {
        self.engine = Some(engine);
        self
    }

    /// This server's members leave the shared room (it is shutting down).
    pub(super) fn leave_shared_room(&mut self, reason: &ByeReason) {
        let node = self.node;
        let ours: Vec<MemberId> = self
            .state
            .members
            .keys()
            .copied()
            .filter(|member| self.state.sessions().home(*member) == node)
            .collect();
        let reason = reason.to_string();
        for member in ours {
            self.append_leave(member, &reason);
        }
    }
}
