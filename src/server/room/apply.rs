//! The fold: one numbered entry changes the room's state and says who
//! hears of it. Pure over [`RoomState`]: no sockets, no clock, no
//! randomness, so every server applying the same log gets the same room.

use super::event::{Entry, Event, MemberId};
use super::state::{Member, RoomState};
use crate::protocol::{ByeReason, Name, ServerLine, Stamp};

/// Who gets a room line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    All,
    AllBut(MemberId),
    /// A private line: its two ends (once if they are the same).
    Pair(MemberId, MemberId),
}

/// What applying an entry asks the local side to send.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// A room line; `from` is the member whose talk it is (for ignore).
    Line {
        stamp: Stamp,
        line: ServerLine,
        to: Audience,
        from: Option<MemberId>,
    },
    /// A newcomer is in: its `-- you are`, roster, history, away lines.
    Welcome { member: MemberId, stamp: Stamp },
    /// A join lost a race for its name (only with a shared log).
    JoinLost { member: MemberId, name: Name },
    /// The member is out: its last line (if any), then close. `name`
    /// and `reason` are for the server's log.
    Farewell {
        member: MemberId,
        bye: Option<ByeReason>,
        name: Name,
        reason: Option<String>,
    },
}

impl RoomState {
    /// Applies one entry; returns the deliveries it makes.
    pub fn apply(&mut self, entry: Entry) -> Vec<Delivery> {
        let stamp = entry.stamp;
        self.applied = stamp.seq;
        if !matches!(entry.event, Event::Said { .. } | Event::Acted { .. }) {
            self.history.advance(stamp);
        }
        match entry.event {
            Event::Joined { member, name } => self.joined(stamp, member, name),
            Event::Said { member, text } => self.talk(stamp, member, text, false),
            Event::Acted { member, text } => self.talk(stamp, member, text, true),
            Event::Private { from, to, text } => self.private(stamp, from, to, text),
            Event::Renamed { member, new } => self.renamed(stamp, member, new),
            Event::Away { member, message } => self.set_away(stamp, member, Some(message)),
            Event::Back { member } => self.set_away(stamp, member, None),
            Event::Left {
                member,
                reason,
                bye,
            } => self.left(stamp, member, reason, bye),
            Event::Removed { member, removal } => self.removed(stamp, member, &removal),
            Event::Banned { by, bans } => self.banned(stamp, by, bans),
            Event::Unbanned { by, target } => self.unbanned(stamp, by, &target),
            Event::Muted { member, until } => self.muted(stamp, member, until),
            Event::Unmuted { member } => self.unmuted(stamp, member),
        }
    }

    fn joined(&mut self, stamp: Stamp, member: MemberId, name: Name) -> Vec<Delivery> {
        if self.is_taken(&name) || self.members.contains_key(&member) {
            return vec![Delivery::JoinLost { member, name }];
        }
        self.reserve(member, &name);
        let away = None;
        self.members.insert(
            member,
            Member {
                name: name.clone(),
                away,
            },
        );
        let arrived = line(stamp, ServerLine::Arrived(name), Audience::AllBut(member));
        vec![Delivery::Welcome { member, stamp }, arrived]
    }

    fn talk(
        &mut self,
        stamp: Stamp,
        member: MemberId,
        text: String,
        action: bool,
    ) -> Vec<Delivery> {
        let Some(from) = self.name(member).cloned() else {
            return Vec::new();
        };
        let talk = if action {
            ServerLine::Action { from, text }
        } else {
            ServerLine::Message { from, text }
        };
        self.history.record(stamp, &talk);
        vec![Delivery::Line {
            stamp,
            line: talk,
            to: Audience::All,
            from: Some(member),
        }]
    }

    fn private(&self, stamp: Stamp, from: MemberId, to: MemberId, text: String) -> Vec<Delivery> {
        let (Some(sender), Some(recipient)) = (self.name(from), self.name(to)) else {
            return Vec::new();
        };
        let line = ServerLine::Private {
            from: sender.clone(),
            to: recipient.clone(),
            text,
        };
        let to = Audience::Pair(from, to);
        let from = Some(from);
        vec![Delivery::Line {
            stamp,
            line,
            to,
            from,
        }]
    }

    fn renamed(&mut self, stamp: Stamp, member: MemberId, new: Name) -> Vec<Delivery> {
        let Some(old) = self.name(member).cloned() else {
            return Vec::new();
        };
        if self
            .holder(&new.skeleton())
            .is_some_and(|holder| holder != member)
        {
            return Vec::new(); // lost a race for the name
        }
        self.release(&old);
        self.reserve(member, &new);
        if self.away.remove(&old.key()).is_some() {
            self.away.insert(new.key(), member);
        }
        if let Some(entry) = self.members.get_mut(&member) {
            entry.name = new.clone();
        }
        let renamed = ServerLine::Renamed { old, new };
        vec![line(stamp, renamed, Audience::All)]
    }

    fn set_away(
        &mut self,
        stamp: Stamp,
        member: MemberId,
        away: Option<Option<String>>,
    ) -> Vec<Delivery> {
        let Some(entry) = self.members.get_mut(&member) else {
            return Vec::new();
        };
        let name = entry.name.clone();
        entry.away = away.clone();
        let notice = match away {
            Some(message) => {
                self.away.insert(name.key(), member);
                ServerLine::Away { name, message }
            }
            None => {
                self.away.remove(&name.key());
                ServerLine::Back(name)
            }
        };
        vec![line(stamp, notice, Audience::All)]
    }

    pub(super) fn left(
        &mut self,
        stamp: Stamp,
        member: MemberId,
        reason: Option<String>,
        bye: Option<ByeReason>,
    ) -> Vec<Delivery> {
        let Some(gone) = self.members.remove(&member) else {
            return Vec::new();
        };
        self.away.remove(&gone.name.key());
        self.muted.remove(&member);
        self.sessions.forget(member);
        self.release(&gone.name);
        let farewell = Delivery::Farewell {
            member,
            bye,
            name: gone.name.clone(),
            reason: reason.clone(),
        };
        let left = ServerLine::Left {
            name: gone.name,
            reason,
        };
        vec![farewell, line(stamp, left, Audience::All)]
    }
}

pub(super) fn line(stamp: Stamp, line: ServerLine, to: Audience) -> Delivery {
    Delivery::Line {
        stamp,
        line,
        to,
        from: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Timestamp;
    use crate::server::history::History;

    fn name(text: &str) -> Name {
        Name::parse(text).expect("valid name")
    }

    fn entry(seq: u64, event: Event) -> Entry {
        let stamp = Stamp {
            seq,
            time: Timestamp(seq as i64),
        };
        Entry { stamp, event }
    }

    /// The fold alone: the same entries make the same room, whoever
    /// applies them.
    #[test]
    fn the_fold_builds_the_room_from_entries() {
        let mut state = RoomState::new(History::in_memory(10));
        let joined = |member, who| Event::Joined {
            member,
            name: name(who),
        };
        let first = state.apply(entry(1, joined(1, "bob")));
        assert_eq!(
            first[0],
            Delivery::Welcome {
                member: 1,
                stamp: entry(1, joined(1, "bob")).stamp
            }
        );
        state.apply(entry(2, joined(2, "alice")));
        let lost = state.apply(entry(3, joined(3, "ALICE")));
        assert!(matches!(lost[..], [Delivery::JoinLost { member: 3, .. }]));
        state.apply(entry(
            4,
            Event::Away {
                member: 1,
                message: None,
            },
        ));
        state.apply(entry(
            5,
            Event::Renamed {
                member: 1,
                new: name("robert"),
            },
        ));
        let said = state.apply(entry(
            6,
            Event::Said {
                member: 2,
                text: "hi".into(),
            },
        ));
        assert!(matches!(
            &said[..],
            [Delivery::Line {
                to: Audience::All,
                from: Some(2),
                ..
            }]
        ));
        assert_eq!(&state.online()[..], b"-- online (2): alice, robert\n");
        assert_eq!(
            state.away_lines(),
            [ServerLine::Away {
                name: name("robert"),
                message: None
            }]
        );
        assert_eq!(state.applied(), 6);
        assert_eq!(state.history().lines().len(), 1);
        let left = state.apply(entry(
            7,
            Event::Left {
                member: 1,
                reason: None,
                bye: None,
            },
        ));
        assert_eq!(
            left[0],
            Delivery::Farewell {
                member: 1,
                bye: None,
                name: name("robert"),
                reason: None,
            }
        );
        assert!(state.away_lines().is_empty());
        assert_eq!(state.find("robert"), None);
        assert_eq!(state.history().head(), 7);
    }

    #[test]
    fn a_private_line_goes_to_its_two_ends() {
        let mut state = RoomState::new(History::in_memory(10));
        state.apply(entry(
            1,
            Event::Joined {
                member: 1,
                name: name("a"),
            },
        ));
        state.apply(entry(
            2,
            Event::Joined {
                member: 2,
                name: name("b"),
            },
        ));
        let private = Event::Private {
            from: 1,
            to: 2,
            text: "psst".into(),
        };
        let deliveries = state.apply(entry(3, private));
        assert!(matches!(
            &deliveries[..],
            [Delivery::Line {
                to: Audience::Pair(1, 2),
                ..
            }]
        ));
        assert_eq!(
            state.history().lines().len(),
            0,
            "private lines are not history"
        );
    }
}
