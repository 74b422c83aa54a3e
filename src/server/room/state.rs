//! The room's state as the fold over its log builds it: members, their
//! names in roster order, who is away, the history, the epoch and the
//! last seq applied. The same on every server at the same seq; nothing
//! local (sockets, outboxes, ignore lists) lives here.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;

use super::event::MemberId;
use crate::protocol::{Name, NameKey, Seq, ServerLine};
use crate::server::history::History;
use crate::server::roster::Roster;

/// A member as the fold knows it.
#[derive(Debug)]
pub(super) struct Member {
    pub name: Name,
    /// `Some(message)` while away.
    pub away: Option<Option<String>>,
}

/// The fold's state (see the module doc).
#[derive(Debug)]
pub struct RoomState {
    pub(super) members: HashMap<MemberId, Member>,
    /// Sorted by key, the roster's order.
    pub(super) names: BTreeMap<NameKey, MemberId>,
    /// The same names, rendered for `-- online`.
    pub(super) roster: Roster,
    /// The members who are away, in roster order.
    pub(super) away: BTreeMap<NameKey, MemberId>,
    pub(super) history: History,
    pub(super) epoch: String,
    /// The seq of the last entry applied.
    pub(super) applied: Seq,
}

impl RoomState {
    /// The state of a room whose history (and numbering) is `history`.
    pub fn new(history: History) -> RoomState {
        RoomState {
            members: HashMap::new(),
            names: BTreeMap::new(),
            roster: Roster::default(),
            away: BTreeMap::new(),
            epoch: history.epoch().to_owned(),
            applied: history.head(),
            history,
        }
    }

    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    pub fn applied(&self) -> Seq {
        self.applied
    }

    pub fn name(&self, member: MemberId) -> Option<&Name> {
        self.members.get(&member).map(|m| &m.name)
    }

    pub fn is_taken(&self, name: &Name) -> bool {
        self.names.contains_key(&name.key())
    }

    pub fn is_away(&self, member: MemberId) -> bool {
        self.members.get(&member).is_some_and(|m| m.away.is_some())
    }

    /// The member called `raw` (under the uniqueness rule), if any.
    pub fn find(&self, raw: &str) -> Option<MemberId> {
        let name = Name::parse(raw).ok()?;
        self.names.get(&name.key()).copied()
    }

    /// `-- online (N): ...`, names in roster order.
    pub fn online(&self) -> Bytes {
        ServerLine::online_bytes(self.members.len(), self.roster.joined())
    }

    /// One `-- NAME is away ...` line per away member, in roster order.
    pub fn away_lines(&self) -> Vec<ServerLine> {
        self.away
            .values()
            .filter_map(|id| self.members.get(id))
            .map(|member| ServerLine::Away {
                name: member.name.clone(),
                message: member.away.clone().flatten(),
            })
            .collect()
    }

    /// Names of `members` in roster order.
    pub fn names_of(&self, members: impl Iterator<Item = MemberId>) -> Vec<Name> {
        let mut names: Vec<Name> = members.filter_map(|id| self.name(id).cloned()).collect();
        names.sort_by_key(Name::key);
        names
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    /// The member listed just before `key` in the roster.
    pub(super) fn listed_before(&self, key: &NameKey) -> Option<Name> {
        let (_, id) = self.names.range(..key).next_back()?;
        self.name(*id).cloned()
    }
}
