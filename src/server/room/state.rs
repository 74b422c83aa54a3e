//! The room's state as the fold over its log builds it: members, their
//! names in roster order, who is away, the history, the epoch and the
//! last seq applied. The same on every server at the same seq; nothing
//! local (sockets, outboxes, ignore lists) lives here.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;

use super::event::{Control, MemberId};
use super::sessions::{Applied, Sessions};
use crate::protocol::{Name, NameKey, NameSkeleton, Seq, ServerLine, Timestamp};
use crate::server::history::History;
use crate::server::moderation::Bans;
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
    /// The same names by skeleton: what makes a name taken, so that
    /// look-alikes of a member's name are taken too.
    pub(super) skeletons: HashMap<NameSkeleton, MemberId>,
    /// The same names, rendered for `-- online`.
    pub(super) roster: Roster,
    /// The members who are away, in roster order.
    pub(super) away: BTreeMap<NameKey, MemberId>,
    pub(super) history: History,
    pub(super) epoch: String,
    /// The seq of the last entry applied.
    pub(super) applied: Seq,
    /// The bans, names and address ranges.
    pub(super) bans: Bans,
    /// Muted members, each until when (`None`: until unmuted).
    pub(super) muted: HashMap<MemberId, Option<Timestamp>>,
    /// Tokens and homes, for resuming on another server.
    pub(super) sessions: Sessions,
}

impl RoomState {
    /// The state of a room whose history (and numbering) is `history`.
    pub fn new(history: History) -> RoomState {
        RoomState {
            members: HashMap::new(),
            names: BTreeMap::new(),
            skeletons: HashMap::new(),
            roster: Roster::default(),
            away: BTreeMap::new(),
            epoch: history.epoch().to_owned(),
            applied: history.head(),
            history,
            bans: Bans::default(),
            muted: HashMap::new(),
            sessions: Sessions::default(),
        }
    }

    /// Applies what a shared log carries beside the events.
    pub(super) fn control(&mut self, control: Control) -> Applied {
        let members = &self.members;
        self.sessions
            .apply(control, |member| members.contains_key(&member))
    }

    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    pub fn bans(&self) -> &Bans {
        &self.bans
    }

    /// Whether the member's talk goes nowhere at `now`.
    pub fn is_muted(&self, member: MemberId, now: Timestamp) -> bool {
        self.muted
            .get(&member)
            .is_some_and(|until| until.is_none_or(|until| until > now))
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
        self.skeletons.contains_key(&name.skeleton())
    }

    /// The member whose name looks like `skeleton`, if any.
    pub fn holder(&self, skeleton: &NameSkeleton) -> Option<MemberId> {
        self.skeletons.get(skeleton).copied()
    }

    pub fn is_away(&self, member: MemberId) -> bool {
        self.members.get(&member).is_some_and(|m| m.away.is_some())
    }

    /// The member called `raw` (under the uniqueness rule), if any.
    pub fn find(&self, raw: &str) -> Option<MemberId> {
        let name = Name::parse(raw).ok()?;
        self.holder(&name.skeleton())
    }

    /// `-- online (N): ...`, names in roster order, rendered once per
    /// change of the roster and shared.
    pub fn online(&mut self) -> Bytes {
        self.roster.online()
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

    /// Takes `name` for `member` and lists it in the roster.
    pub(super) fn reserve(&mut self, member: MemberId, name: &Name) {
        let key = name.key();
        self.roster.insert(self.listed_before(&key).as_ref(), name);
        self.names.insert(key, member);
        self.skeletons.insert(name.skeleton(), member);
    }

    /// Frees `name` and takes it off the roster.
    pub(super) fn release(&mut self, name: &Name) {
        self.names.remove(&name.key());
        self.skeletons.remove(&name.skeleton());
        self.roster.remove(name);
    }

    /// The member listed just before `key` in the roster.
    pub(super) fn listed_before(&self, key: &NameKey) -> Option<Name> {
        let (_, id) = self.names.range(..key).next_back()?;
        self.name(*id).cloned()
    }
}
