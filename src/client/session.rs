//! The client's place in the numbered room (protocol 1.1): the resume
//! token and the newest room line shown, so that after any drop it takes
//! its seat back with `/resume` and shows exactly the lines it missed,
//! never one twice.

use crate::protocol::tags::{Seq, Tags, Timestamp};

/// What the client knows of its seat.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    /// The resume token of the current seat (from `-- you are`).
    pub token: Option<String>,
    /// The room's epoch: a seq means something only within it.
    epoch: Option<String>,
    /// The seq of the newest room line shown, in `epoch`.
    last_seq: Option<Seq>,
    /// The seq of our own arrival, or of the room at the end of our last
    /// resume: every line for us up to it has been shown.
    joined_at: Option<Seq>,
    /// The room's seq given by `-- you are` on a resume, until its frame
    /// has come whole.
    resumed_at: Option<Seq>,
    /// When the newest room line shown was ordered (any epoch): after a
    /// restart that lost the numbering, history older than this is shown
    /// already.
    last_time: Option<Timestamp>,
    /// This connection sent `/resume` and has not heard back.
    pub resuming: bool,
    /// Inside `-- resumed (K)` ... `-- end of resumed`.
    pub in_resumed: bool,
    /// Inside a history frame of a rejoin, which is not shown.
    pub quiet_history: bool,
}

impl Session {
    /// The lines a connection starts with: tags on, then the seat back
    /// when there is one to take, else the name.
    pub fn login(&mut self, name: &str) -> Vec<String> {
        let tags = "/tags".to_owned();
        match (&self.token, self.last_seq.max(self.joined_at)) {
            (Some(token), Some(seq)) => {
                self.resuming = true;
                vec![tags, format!("/resume {token} {seq}")]
            }
            _ => {
                self.resuming = false;
                vec![tags, name.to_owned()]
            }
        }
    }

    /// `-- you are`: a new token, and the epoch. Another epoch than ours
    /// means the old seqs are void; the time of the last line shown still
    /// tells history we have from history we lack.
    pub fn joined(&mut self, tags: &Tags) {
        self.token.clone_from(&tags.session);
        if tags.epoch != self.epoch {
            self.epoch.clone_from(&tags.epoch);
            self.last_seq = None;
            self.joined_at = None;
        }
        if self.resuming {
            self.resumed_at = tags.seq;
        } else {
            self.joined_at = tags.seq.max(self.joined_at);
        }
        self.resuming = false;
    }

    /// `-- end of resumed`: every line up to the resume has been shown.
    pub fn resumed_whole(&mut self) {
        self.in_resumed = false;
        self.joined_at = self.resumed_at.take().max(self.joined_at);
    }

    /// Whether room lines have been shown already (a rejoin, not a first
    /// join): the history that follows is only what is newer.
    pub fn has_shown(&self) -> bool {
        self.last_seq.is_some() || self.last_time.is_some()
    }

    /// The resume was refused: log in with the name instead.
    pub fn refused(&mut self) {
        self.resuming = false;
        self.token = None;
    }

    /// Whether a room line with these tags is new to the screen, noting
    /// it as the newest if so. Untagged lines are always new.
    pub fn is_new(&mut self, tags: &Tags) -> bool {
        let Some(seq) = tags.seq else {
            return true;
        };
        if self.last_seq.is_some_and(|last| seq <= last) {
            return false;
        }
        if self.last_seq.is_none()
            && let (Some(time), Some(last)) = (tags.time, self.last_time)
            && time <= last
        {
            return false;
        }
        self.last_seq = Some(seq);
        self.last_time = tags.time.max(self.last_time);
        true
    }

    /// The connection is gone: it resumes nothing any more.
    pub fn closed(&mut self) {
        self.resuming = false;
        self.in_resumed = false;
        self.resumed_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn you_are(epoch: &str, seq: Seq, token: &str) -> Tags {
        Tags {
            epoch: Some(epoch.into()),
            seq: Some(seq),
            session: Some(token.into()),
            ..Tags::default()
        }
    }

    fn line(seq: Seq, millis: i64) -> Tags {
        Tags::stamp(seq, Timestamp(millis))
    }

    #[test]
    fn a_first_login_sends_tags_then_the_name() {
        let mut session = Session::default();
        assert_eq!(session.login("alice"), ["/tags", "alice"]);
        assert!(!session.resuming);
    }

    #[test]
    fn after_joining_a_drop_resumes_from_the_newest_line_shown() {
        let mut session = Session::default();
        session.joined(&you_are("e1", 10, "t1"));
        assert_eq!(session.login("alice"), ["/tags", "/resume t1 10"]);
        assert!(session.is_new(&line(11, 1000)));
        assert!(session.is_new(&line(14, 2000)));
        assert_eq!(session.login("alice"), ["/tags", "/resume t1 14"]);
        assert!(session.resuming);
        session.joined(&you_are("e1", 20, "t2"));
        // Cut inside the resumed frame: from the last line shown.
        assert!(session.is_new(&line(15, 3000)));
        session.closed();
        assert_eq!(session.login("alice"), ["/tags", "/resume t2 15"]);
        session.joined(&you_are("e1", 20, "t3"));
        session.resumed_whole();
        assert_eq!(session.login("alice"), ["/tags", "/resume t3 20"]);
    }

    #[test]
    fn a_line_is_never_shown_twice() {
        let mut session = Session::default();
        session.joined(&you_are("e1", 3, "t1"));
        for seq in 1..=5 {
            assert!(session.is_new(&line(seq, i64::try_from(seq).unwrap_or(0))));
        }
        assert!(!session.is_new(&line(4, 4)));
        assert!(!session.is_new(&line(5, 5)));
        assert!(session.is_new(&line(6, 6)));
        assert!(session.is_new(&Tags::default()), "untagged");
    }

    #[test]
    fn a_refused_resume_logs_in_and_shows_only_newer_history() {
        let mut session = Session::default();
        session.joined(&you_are("e1", 1, "t1"));
        assert!(session.is_new(&line(7, 7_000)));
        session.login("alice");
        session.refused();
        assert_eq!(session.login("alice"), ["/tags", "alice"]);
        // The same epoch (a history file): by seq.
        session.joined(&you_are("e1", 9, "t2"));
        assert!(!session.is_new(&line(7, 7_000)));
        assert!(session.is_new(&line(8, 8_000)));
        // A new epoch (numbering lost): by time.
        session.refused();
        session.joined(&you_are("e2", 3, "t3"));
        assert!(!session.is_new(&line(1, 8_000)), "shown already");
        assert!(session.is_new(&line(2, 9_000)));
        assert!(!session.is_new(&line(2, 9_000)));
    }
}
