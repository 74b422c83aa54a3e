//! The fold for operators' events: removals, bans and mutes. Bans are
//! fold state, so every server holds the same ones at the same seq; their
//! expiry is judged against each entry's own time, never a clock.

use super::apply::{Audience, Delivery, line};
use super::event::{MemberId, Removal};
use super::state::RoomState;
use crate::protocol::{ServerLine, Stamp, Timestamp};
use crate::server::moderation::{Ban, BanTarget};

impl RoomState {
    /// A kicked or banned member leaves: its bye, then everyone's notice.
    pub(super) fn removed(
        &mut self,
        stamp: Stamp,
        member: MemberId,
        removal: &Removal,
    ) -> Vec<Delivery> {
        let bye = removal.bye();
        self.left(stamp, member, Some(bye.to_string()), Some(bye))
    }

    /// Adds the bans; the operator reads `-- banned TARGET [until TIME]`.
    pub(super) fn banned(&mut self, stamp: Stamp, by: MemberId, bans: Vec<Ban>) -> Vec<Delivery> {
        self.bans.prune(stamp.time);
        let Some(first) = bans.first() else {
            return Vec::new();
        };
        let reply = banned_notice(&first.target, first.until);
        for ban in bans {
            self.bans.add(ban);
        }
        vec![line(stamp, reply, Audience::Pair(by, by))]
    }

    /// Lifts the bans on `target`; the operator reads `-- unbanned TARGET`.
    pub(super) fn unbanned(
        &mut self,
        stamp: Stamp,
        by: MemberId,
        target: &BanTarget,
    ) -> Vec<Delivery> {
        self.bans.prune(stamp.time);
        self.bans.remove(target);
        let reply = ServerLine::notice(format!("unbanned {target}"));
        vec![line(stamp, reply, Audience::Pair(by, by))]
    }

    pub(super) fn muted(
        &mut self,
        stamp: Stamp,
        member: MemberId,
        until: Option<Timestamp>,
    ) -> Vec<Delivery> {
        let Some(name) = self.name(member).cloned() else {
            return Vec::new();
        };
        self.muted.insert(member, until);
        let notice = ServerLine::notice(format!("{name} is muted"));
        vec![line(stamp, notice, Audience::All)]
    }

    pub(super) fn unmuted(&mut self, stamp: Stamp, member: MemberId) -> Vec<Delivery> {
        let Some(name) = self.name(member).cloned() else {
            return Vec::new();
        };
        self.muted.remove(&member);
        let notice = ServerLine::notice(format!("{name} is unmuted"));
        vec![line(stamp, notice, Audience::All)]
    }
}

/// `-- banned TARGET`, with ` until TIME` for a ban that expires.
fn banned_notice(target: &BanTarget, until: Option<Timestamp>) -> ServerLine {
    match until {
        Some(until) => ServerLine::notice(format!("banned {target} until {until}")),
        None => ServerLine::notice(format!("banned {target}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ByeReason, Name};
    use crate::server::history::History;
    use crate::server::room::event::{Entry, Event};

    fn entry(seq: u64, millis: i64, event: Event) -> Entry {
        let time = Timestamp(millis);
        Entry {
            stamp: Stamp { seq, time },
            event,
        }
    }

    fn ban(target: &str, until: Option<i64>) -> Ban {
        Ban {
            target: BanTarget::parse(target).expect(target),
            until: until.map(Timestamp),
            reason: None,
            by: "root".into(),
            via: None,
        }
    }

    /// The same entries make the same bans and mutes on any server, with
    /// expiry judged by the entries' own times.
    #[test]
    fn the_fold_keeps_bans_and_mutes_by_entry_time() {
        let mut state = RoomState::new(History::in_memory(10));
        let name = Name::parse("troll").expect("name");
        state.apply(entry(1, 0, Event::Joined { member: 1, name }));
        let banned = state.apply(entry(
            2,
            0,
            Event::Banned {
                by: 9,
                bans: vec![ban("10.0.0.0/8", Some(1000)), ban("troll", None)],
            },
        ));
        assert!(matches!(
            &banned[..],
            [Delivery::Line { to: Audience::Pair(9, 9), line, .. }]
                if line.to_string() == "-- banned 10.0.0.0/8 until 1970-01-01T00:00:01.000Z"
        ));
        assert_eq!(state.bans().len(), 2);
        state.apply(entry(
            3,
            0,
            Event::Muted {
                member: 1,
                until: None,
            },
        ));
        assert!(state.is_muted(1, Timestamp(5)));
        let removal = Removal::Banned(Some("spam".into()));
        let gone = state.apply(entry(4, 0, Event::Removed { member: 1, removal }));
        assert!(matches!(
            &gone[0],
            Delivery::Farewell { bye: Some(ByeReason::Banned(Some(why))), .. } if why == "spam"
        ));
        assert_eq!(
            gone[1],
            line(
                gone_stamp(4),
                ServerLine::parse("-- troll has left (banned: spam)"),
                Audience::All
            )
        );
        assert!(
            !state.is_muted(1, Timestamp(5)),
            "a mute ends with the member"
        );
        let target = BanTarget::parse("nobody").expect("name");
        state.apply(entry(5, 2000, Event::Unbanned { by: 9, target }));
        let left: Vec<String> = state
            .bans()
            .active(Timestamp(2000))
            .map(|b| b.target.to_string())
            .collect();
        assert_eq!(left, ["troll"]);
        assert_eq!(
            state.bans().len(),
            1,
            "the expired range was pruned at the entry's time"
        );
    }

    fn gone_stamp(seq: u64) -> Stamp {
        Stamp {
            seq,
            time: Timestamp(0),
        }
    }
}
