//! The part of the fold only a shared room needs: which token digest
//! resumes which member, and which server a member is on now (a resume
//! on another server moves it). The same on every server at the same
//! place in the log, like the rest of the fold.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::event::{Control, MemberId, node_of};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sessions {
    /// Token digest -> member.
    tokens: HashMap<String, MemberId>,
    /// Member -> its token digest.
    digests: HashMap<MemberId, String>,
    /// Members no longer on the server that made them.
    homes: HashMap<MemberId, u64>,
    /// Whom each member ignores (only members who ignore anyone).
    #[serde(default)]
    ignoring: HashMap<MemberId, BTreeSet<MemberId>>,
}

/// What applying a [`Control`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Noted,
    /// The member is on server `to` now; it was on `from`.
    Moved {
        member: MemberId,
        from: u64,
        to: u64,
        claimed: String,
    },
    /// A claim with a token already used or unknown.
    ClaimLost {
        to: u64,
        claimed: String,
    },
}

impl Sessions {
    /// The server the member is on.
    pub fn home(&self, member: MemberId) -> u64 {
        self.homes
            .get(&member)
            .copied()
            .unwrap_or_else(|| node_of(member))
    }

    /// The member a token digest resumes.
    pub fn member(&self, digest: &str) -> Option<MemberId> {
        self.tokens.get(digest).copied()
    }

    /// Whom the member ignores.
    pub fn ignoring(&self, member: MemberId) -> BTreeSet<MemberId> {
        self.ignoring.get(&member).cloned().unwrap_or_default()
    }

    /// Whether the member can be resumed (it has a token).
    pub fn resumable(&self, member: MemberId) -> bool {
        self.digests.contains_key(&member)
    }

    /// `present`: whether a member is in the room.
    pub fn apply(&mut self, control: Control, present: impl Fn(MemberId) -> bool) -> Applied {
        match control {
            Control::Session { member, digest } => {
                if present(member) {
                    self.forget_token(member);
                    self.tokens.insert(digest.clone(), member);
                    self.digests.insert(member, digest);
                }
                Applied::Noted
            }
            Control::Ignoring { member, ignoring } => {
                if present(member) && !ignoring.is_empty() {
                    self.ignoring.insert(member, ignoring.into_iter().collect());
                } else {
                    self.ignoring.remove(&member);
                }
                Applied::Noted
            }
            Control::Moved { to, claimed } => {
                let member = self.tokens.get(&claimed).copied();
                let Some(member) = member.filter(|member| present(*member)) else {
                    return Applied::ClaimLost { to, claimed };
                };
                self.forget_token(member);
                let from = self.home(member);
                self.homes.insert(member, to);
                Applied::Moved {
                    member,
                    from,
                    to,
                    claimed,
                }
            }
        }
    }

    /// The member left the room.
    pub fn forget(&mut self, member: MemberId) {
        self.forget_token(member);
        self.homes.remove(&member);
        self.ignoring.remove(&member);
        for ignored in self.ignoring.values_mut() {
            ignored.remove(&member);
        }
    }

    fn forget_token(&mut self, member: MemberId) {
        if let Some(old) = self.digests.remove(&member) {
            self.tokens.remove(&old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(member: MemberId, digest: &str) -> Control {
        let digest = digest.to_owned();
        Control::Session { member, digest }
    }

    fn moved(to: u64, claimed: &str) -> Control {
        let claimed = claimed.to_owned();
        Control::Moved { to, claimed }
    }

    #[test]
    fn the_first_claim_of_a_token_moves_the_member_and_uses_the_token_up() {
        let member = (1 << 32) | 5;
        let mut sessions = Sessions::default();
        assert_eq!(
            sessions.apply(session(member, "t1"), |_| true),
            Applied::Noted
        );
        assert_eq!(
            sessions.apply(session(member, "t2"), |_| true),
            Applied::Noted
        );
        assert_eq!(sessions.member("t1"), None, "rotated away");
        assert_eq!(sessions.home(member), 1);
        let won = sessions.apply(moved(2, "t2"), |_| true);
        let expected = Applied::Moved {
            member,
            from: 1,
            to: 2,
            claimed: "t2".into(),
        };
        assert_eq!(won, expected);
        assert_eq!(sessions.home(member), 2);
        let lost = sessions.apply(moved(3, "t2"), |_| true);
        let claimed = "t2".to_owned();
        assert_eq!(lost, Applied::ClaimLost { to: 3, claimed });
        assert!(!sessions.resumable(member));
        sessions.forget(member);
        assert_eq!(sessions.home(member), 1);
    }

    #[test]
    fn a_member_not_in_the_room_gets_no_token() {
        let mut sessions = Sessions::default();
        sessions.apply(session(9, "t"), |_| false);
        assert_eq!(sessions.member("t"), None);
    }
}
