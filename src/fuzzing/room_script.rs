//! [`RoomScript`]: the room's logic driven one request at a time, with
//! each member's queue read back as wire text, as the room tests do.

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::protocol::{Command, Name, sanitize};
use crate::server::history::History;
use crate::server::outbox::{Budget, OutboxReceiver, outbox};
use crate::server::room::{ConnId, JoinReply, Leave, Request, Room, Settings};

/// A room without sockets or a runtime, and every seat ever taken in it.
#[derive(Debug)]
pub struct RoomScript {
    room: Room,
    seats: Vec<Seat>,
    queue_lines: usize,
    queue_bytes: usize,
}

#[derive(Debug)]
struct Seat {
    id: ConnId,
    queue: OutboxReceiver,
    kicked: CancellationToken,
}

/// What became of a proposed name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinOutcome {
    /// In the room at this seat (an index for the other calls).
    Joined(usize),
    /// Another member holds the name.
    Taken,
    /// Not a valid name; the error line's text.
    Invalid(String),
    /// Empty once cleaned: the server ignores such a line.
    Ignored,
    /// The room dropped the join without an answer (a bug: the login
    /// would wait for ever).
    Unanswered,
}

/// How a connection ends, as its reader would tell the room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Departure {
    Closed,
    Idle,
    TooSlow,
}

impl RoomScript {
    /// A room keeping `history` lines whose members each get a queue of
    /// `queue_lines` lines and `queue_bytes` bytes.
    pub fn new(
        history: usize,
        max_line_bytes: usize,
        queue_lines: usize,
        queue_bytes: usize,
    ) -> RoomScript {
        RoomScript {
            room: Room::new(
                History::in_memory(history),
                Settings {
                    max_line_bytes,
                    queue_lines,
                    queue_bytes,
                    // No clock here: a broken link leaves at once.
                    resume_window: None,
                    max_held: 0,
                    backlog_budget: usize::MAX,
                },
            ),
            seats: Vec::new(),
            queue_lines,
            queue_bytes,
        }
    }

    /// A login line, cleaned and checked as the login does, then a join.
    pub fn join(&mut self, raw: &str) -> JoinOutcome {
        let text = sanitize(raw);
        if text.is_empty() {
            return JoinOutcome::Ignored;
        }
        let name = match Name::parse(&text) {
            Ok(name) => name,
            Err(err) => return JoinOutcome::Invalid(err.to_string()),
        };
        let (sender, queue) = outbox(self.queue_lines, self.queue_bytes, &Budget::unlimited());
        let (reply, mut answer) = oneshot::channel();
        let peer = ([127, 0, 0, 1], 1).into();
        let outbox = sender;
        self.step(Request::Join {
            name,
            outbox,
            peer,
            tags: false,
            reply,
        });
        match answer.try_recv() {
            Ok(JoinReply::Joined { id, kicked }) => {
                self.seats.push(Seat { id, queue, kicked });
                JoinOutcome::Joined(self.seats.len() - 1)
            }
            Ok(JoinReply::Taken { .. } | JoinReply::Banned { .. }) => JoinOutcome::Taken,
            Ok(JoinReply::Refused { .. } | JoinReply::Unavailable { .. }) => {
                JoinOutcome::Unanswered
            }
            Err(_) => JoinOutcome::Unanswered,
        }
    }

    /// A line from the member at `seat`, cleaned and parsed as its
    /// connection does; seats that left are still asked (the room must
    /// ignore requests for members it no longer has).
    pub fn send(&mut self, seat: usize, raw: &str) {
        let text = sanitize(raw);
        if text.is_empty() {
            return;
        }
        if let Some(id) = self.id(seat) {
            let command = Command::parse(&text);
            self.step(Request::Command { id, command });
        }
    }

    /// The member at `seat` sent a line over the length limit.
    pub fn too_long(&mut self, seat: usize) {
        if let Some(id) = self.id(seat) {
            self.step(Request::TooLong { id });
        }
    }

    /// The connection at `seat` ends.
    pub fn leave(&mut self, seat: usize, how: Departure) {
        let reason = match how {
            Departure::Closed => Leave::Closed,
            Departure::Idle => Leave::Idle,
            Departure::TooSlow => Leave::TooSlow,
        };
        if let Some(id) = self.id(seat) {
            self.step(Request::Leave { id, reason });
        }
    }

    /// Every line queued for `seat` since the last call, as wire text
    /// (newline included, invalid UTF-8 replaced).
    pub fn take_lines(&mut self, seat: usize) -> Vec<String> {
        let Some(seat) = self.seats.get_mut(seat) else {
            return Vec::new();
        };
        let lines = seat.queue.take_queued();
        lines
            .iter()
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .collect()
    }

    /// Lines skipped for `seat` (its queue was full) since the last call.
    pub fn take_skipped(&mut self, seat: usize) -> u64 {
        self.seats.get(seat).map_or(0, |s| s.queue.take_skipped())
    }

    /// Whether the room has let go of `seat`'s queue (its last line is in).
    pub fn is_closed(&self, seat: usize) -> bool {
        self.seats.get(seat).is_some_and(|s| s.queue.is_closed())
    }

    /// Whether the room has told `seat`'s connection to close.
    pub fn is_kicked(&self, seat: usize) -> bool {
        self.seats
            .get(seat)
            .is_some_and(|s| s.kicked.is_cancelled())
    }

    /// Seats taken so far (members and former members).
    pub fn seats(&self) -> usize {
        self.seats.len()
    }

    /// The room's `-- online (N): ...` line, newline included.
    pub fn online(&mut self) -> String {
        String::from_utf8_lossy(&self.room.online()).into_owned()
    }

    fn id(&self, seat: usize) -> Option<ConnId> {
        self.seats.get(seat).map(|s| s.id)
    }

    fn step(&mut self, request: Request) {
        self.room.handle(request);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_reads_back_wire_lines() {
        let mut script = RoomScript::new(5, 100, 16, 4096);
        assert_eq!(script.join("alice"), JoinOutcome::Joined(0));
        assert_eq!(script.join("ALICE"), JoinOutcome::Taken);
        assert_eq!(script.join("  "), JoinOutcome::Ignored);
        assert!(matches!(script.join("a b"), JoinOutcome::Invalid(_)));
        script.send(0, "/ping");
        assert_eq!(
            script.take_lines(0),
            ["-- you are alice\n", "-- online (1): alice\n", "-- pong\n"]
        );
        script.leave(0, Departure::Idle);
        assert_eq!(script.take_lines(0), ["-- bye (idle)\n"]);
        assert!(script.is_closed(0) && script.is_kicked(0));
        assert_eq!(script.online(), "-- online (0): \n");
    }
}
