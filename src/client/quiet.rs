//! Quiet joins: in a busy room, the arrivals, leaves and renames of people
//! who have not spoken lately are hidden from the messages pane (the users
//! pane still follows them), as weechat's smart filter does. The lines are
//! kept, marked, so that showing them again (Alt-J, `/joins`) shows them
//! all.

use std::collections::HashMap;

use crate::protocol::{NameKey, ServerLine};

use super::app::Body;

/// More members than this make a room busy.
pub const BUSY_ROOM: usize = 20;
/// Someone who spoke less than this long ago is not quiet.
pub const RECENT_SECS: i64 = 5 * 60;
/// Speakers remembered at most; the oldest are forgotten first.
const REMEMBERED: usize = 4096;

/// When each person last spoke, and whether quiet joins are hidden.
#[derive(Clone, Debug)]
pub struct QuietJoins {
    /// Hide them (the default); Alt-J and `/joins` toggle.
    pub hide: bool,
    spoke: HashMap<NameKey, i64>,
}

impl Default for QuietJoins {
    fn default() -> Self {
        QuietJoins {
            hide: true,
            spoke: HashMap::new(),
        }
    }
}

impl QuietJoins {
    /// Whether `body` is a join, leave or rename of someone quiet, in a
    /// room of `members` at `now` (seconds since the epoch).
    pub fn hides(&self, body: &Body, members: usize, now: i64) -> bool {
        if members <= BUSY_ROOM {
            return false;
        }
        let Body::Server(
            ServerLine::Arrived(who)
            | ServerLine::Left { name: who, .. }
            | ServerLine::Renamed { old: who, .. },
        ) = body
        else {
            return false;
        };
        !self.spoke_since(&who.key(), now - RECENT_SECS)
    }

    fn spoke_since(&self, key: &NameKey, since: i64) -> bool {
        self.spoke.get(key).is_some_and(|&at| at >= since)
    }

    /// Notes who spoke (a message or an action), and carries a speaker's
    /// last word over a rename.
    pub fn saw(&mut self, body: &Body, now: i64) {
        let Body::Server(line) = body else { return };
        if let ServerLine::Message { from, .. } | ServerLine::Action { from, .. } = line {
            self.remember(from.key(), now);
        } else if let ServerLine::Renamed { old, new } = line
            && let Some(at) = self.spoke.remove(&old.key())
        {
            self.remember(new.key(), at);
        }
    }

    fn remember(&mut self, key: NameKey, at: i64) {
        if self.spoke.len() >= REMEMBERED && !self.spoke.contains_key(&key) {
            let cutoff = at - RECENT_SECS;
            self.spoke.retain(|_, &mut t| t >= cutoff);
            if self.spoke.len() >= REMEMBERED {
                return;
            }
        }
        self.spoke.insert(key, at);
    }
}
