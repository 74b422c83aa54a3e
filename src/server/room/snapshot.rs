//! The fold's state at one seq, as a shared log keeps it beside the
//! stream: a server that starts (or fell behind a trimmed stream) loads
//! it and reads on from its seq, so the stream itself can stay short.

use serde::{Deserialize, Serialize};

use super::event::MemberId;
use super::sessions::Sessions;
use super::state::{Member, RoomState};
use crate::protocol::{Name, Seq, ServerLine, Stamp, Timestamp};
use crate::server::history::History;
use crate::server::moderation::{Ban, Bans};

/// Everything the fold knows at `applied` (nothing local).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub epoch: String,
    pub applied: Seq,
    members: Vec<SnapshotMember>,
    history: Vec<Talk>,
    bans: Vec<Ban>,
    muted: Vec<(MemberId, Option<Timestamp>)>,
    #[serde(default)]
    sessions: Sessions,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct SnapshotMember {
    id: MemberId,
    name: Name,
    /// `Some(message)` while away.
    away: Option<Option<String>>,
}

/// A kept line of talk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Talk {
    seq: Seq,
    time: Timestamp,
    from: Name,
    text: String,
    action: bool,
}

impl RoomState {
    pub fn snapshot(&self) -> Snapshot {
        let members = self
            .names
            .values()
            .filter_map(|id| {
                let member = self.members.get(id)?;
                Some(SnapshotMember {
                    id: *id,
                    name: member.name.clone(),
                    away: member.away.clone(),
                })
            })
            .collect();
        let history = self
            .history
            .lines()
            .filter_map(|(stamp, line)| {
                let (from, text, action) = match line {
                    ServerLine::Message { from, text } => (from, text, false),
                    ServerLine::Action { from, text } => (from, text, true),
                    _ => return None,
                };
                Some(Talk {
                    seq: stamp.seq,
                    time: stamp.time,
                    from: from.clone(),
                    text: text.clone(),
                    action,
                })
            })
            .collect();
        let mut muted: Vec<_> = self.muted.iter().map(|(id, until)| (*id, *until)).collect();
        muted.sort_unstable();
        Snapshot {
            epoch: self.epoch.clone(),
            applied: self.applied,
            members,
            history,
            bans: self.bans.list().to_vec(),
            muted,
            sessions: self.sessions.clone(),
        }
    }

    /// The state a snapshot describes, keeping `capacity` lines of talk.
    pub fn from_snapshot(snapshot: Snapshot, capacity: usize) -> RoomState {
        let mut history = History::numbered(capacity, snapshot.epoch.clone());
        for talk in snapshot.history {
            let stamp = Stamp {
                seq: talk.seq,
                time: talk.time,
            };
            let (from, text) = (talk.from, talk.text);
            let line = if talk.action {
                ServerLine::Action { from, text }
            } else {
                ServerLine::Message { from, text }
            };
            history.record(stamp, &line);
        }
        let time = Timestamp(0);
        history.advance(Stamp {
            seq: snapshot.applied,
            time,
        });
        let mut state = RoomState::new(history);
        for member in snapshot.members {
            state.reserve(member.id, &member.name);
            if member.away.is_some() {
                state.away.insert(member.name.key(), member.id);
            }
            let (name, away) = (member.name, member.away);
            state.members.insert(member.id, Member { name, away });
        }
        state.bans = Bans::from_list(snapshot.bans);
        state.muted = snapshot.muted.into_iter().collect();
        state.sessions = snapshot.sessions;
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::room::event::{Entry, Event};

    fn apply(state: &mut RoomState, seq: Seq, event: Event) {
        let stamp = Stamp {
            seq,
            time: Timestamp(1_000 * seq as i64),
        };
        state.apply(Entry { stamp, event });
    }

    #[test]
    fn a_state_comes_back_the_same_from_its_snapshot() {
        let name = |n: &str| Name::parse(n).expect("name");
        let mut state = RoomState::new(History::numbered(2, "e1".into()));
        apply(
            &mut state,
            1,
            Event::Joined {
                member: 7,
                name: name("zoë"),
            },
        );
        apply(
            &mut state,
            2,
            Event::Joined {
                member: 9,
                name: name("李雷"),
            },
        );
        apply(
            &mut state,
            3,
            Event::Said {
                member: 7,
                text: "one".into(),
            },
        );
        apply(
            &mut state,
            4,
            Event::Acted {
                member: 9,
                text: "waves 👋".into(),
            },
        );
        apply(
            &mut state,
            5,
            Event::Said {
                member: 7,
                text: "three".into(),
            },
        );
        let message = Some("lunch".to_owned());
        apply(&mut state, 6, Event::Away { member: 9, message });
        apply(
            &mut state,
            7,
            Event::Muted {
                member: 7,
                until: None,
            },
        );
        let snapshot = state.snapshot();
        let json = serde_json::to_string(&snapshot).expect("json");
        let back: Snapshot = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, snapshot);
        let mut restored = RoomState::from_snapshot(back, 2);
        assert_eq!(restored.online(), state.online());
        assert_eq!(restored.away_lines(), state.away_lines());
        assert_eq!(restored.applied(), 7);
        assert_eq!(restored.epoch(), "e1");
        let lines: Vec<_> = restored.history().lines().cloned().collect();
        assert_eq!(lines, state.history().lines().cloned().collect::<Vec<_>>());
        assert!(restored.is_muted(7, Timestamp(0)));
        assert_eq!(restored.snapshot(), snapshot);
        // It folds on like the original.
        apply(
            &mut restored,
            8,
            Event::Joined {
                member: 11,
                name: name("Zoe"),
            },
        );
        apply(
            &mut state,
            8,
            Event::Joined {
                member: 11,
                name: name("Zoe"),
            },
        );
        assert_eq!(restored.online(), state.online());
    }
}
