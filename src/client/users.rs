//! The people in the room as the client knows them: the roster, kept
//! sorted as the server sorts it, and who is away.

use std::collections::{BTreeMap, BTreeSet};

use crate::protocol::{Name, NameKey};

/// The people in the room, sorted by their case fold ([`NameKey`]) as the
/// roster is: an arrival or a departure costs O(log n), whatever the size
/// of the room.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Users {
    names: BTreeMap<NameKey, Name>,
    /// Who is away (`-- NAME is away`), until they are back or leave.
    away: BTreeSet<NameKey>,
}

impl Users {
    /// The names in display order.
    pub fn iter(&self) -> impl Iterator<Item = &Name> {
        self.names.values()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// A new roster: the away lines that follow it say who is away.
    pub fn set(&mut self, names: impl IntoIterator<Item = Name>) {
        self.names = names.into_iter().map(|n| (n.key(), n)).collect();
        self.away.clear();
    }

    pub fn set_away(&mut self, name: &Name, away: bool) {
        if away {
            self.away.insert(name.key());
        } else {
            self.away.remove(&name.key());
        }
    }

    pub fn is_away(&self, name: &Name) -> bool {
        self.away.contains(&name.key())
    }

    /// A rename keeps the away state.
    pub fn rename(&mut self, old: &Name, new: Name) {
        let away = self.is_away(old);
        self.remove(&old.key());
        self.set_away(&new, away);
        self.add(new);
    }

    pub fn add(&mut self, name: Name) {
        self.names.insert(name.key(), name);
    }

    pub fn remove(&mut self, key: &NameKey) {
        self.names.remove(key);
        self.away.remove(key);
    }

    pub fn clear(&mut self) {
        self.names.clear();
        self.away.clear();
    }
}
