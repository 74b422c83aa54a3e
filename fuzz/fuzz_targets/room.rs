//! The room's logic under a fuzz-chosen script of joins, lines, commands,
//! over-long lines, departures and reads: never a panic, every line it
//! sends is one clean, classifiable line, the roster is sorted and unique
//! and counts the members, a name is refused exactly when it is taken,
//! `/ping` is answered after everything before it, a departed member hears
//! nothing more.

#![no_main]

use arbitrary::Arbitrary;
use chatty::fuzzing::{Departure, JoinOutcome, Name, RoomScript, ServerLine, sanitize};
use libfuzzer_sys::fuzz_target;

/// Command starts the script may put in front of its text, so that every
/// command is reached without the fuzzer having to find its spelling.
const STARTS: &[&str] = &[
    "", "/me ", "/nick ", "/msg ", "/names", "/who", "/help", "/ping", "/quit ", "//", "/",
    "/NICK ", "/dance ",
];

#[derive(Arbitrary, Debug)]
enum Step<'a> {
    Join(&'a str),
    Line { seat: u8, start: u8, text: &'a str },
    Msg { seat: u8, to: u8, text: &'a str },
    Ping(u8),
    TooLong(u8),
    Leave(u8, u8),
    Read(u8),
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    history: u8,
    queue_lines: u8,
    queue_bytes: u16,
    steps: Vec<Step<'a>>,
}

/// What the script knows of each seat.
#[derive(Default)]
struct SeatModel {
    /// The name it joined with (renames are not followed).
    joined_as: String,
    /// Seen closed and drained: nothing may arrive any more.
    done: bool,
}

struct Fuzz {
    script: RoomScript,
    seats: Vec<SeatModel>,
}

impl Fuzz {
    fn seat(&self, raw: u8) -> usize {
        usize::from(raw) % (self.seats.len() + 1)
    }

    /// Reads `seat`'s lines and checks each one.
    fn read(&mut self, seat: usize) -> Vec<String> {
        let lines = self.script.take_lines(seat);
        if let Some(model) = self.seats.get(seat) {
            assert!(
                !model.done || lines.is_empty(),
                "lines after the end: {lines:?}"
            );
        }
        for line in &lines {
            check_wire(line);
        }
        if self.script.is_closed(seat)
            && let Some(model) = self.seats.get_mut(seat)
        {
            model.done = true;
        }
        lines
    }

    fn join(&mut self, raw: &str) {
        let roster = roster(&self.script.online());
        let outcome = self.script.join(raw);
        let clean = sanitize(raw);
        match outcome {
            JoinOutcome::Joined(seat) => {
                let name = Name::parse(&clean).expect("joined with a valid name");
                assert!(
                    !roster.iter().any(|n| n.skeleton() == name.skeleton()),
                    "{name:?} was taken"
                );
                assert_eq!(seat, self.seats.len());
                self.seats.push(SeatModel {
                    joined_as: name.to_string(),
                    done: false,
                });
                let lines = self.read(seat);
                assert_eq!(lines.first(), Some(&format!("-- you are {name}\n")));
            }
            JoinOutcome::Taken => {
                let name = Name::parse(&clean).expect("taken means valid");
                assert!(
                    roster.iter().any(|n| n.skeleton() == name.skeleton()),
                    "{name:?} was free"
                );
            }
            JoinOutcome::Invalid(error) => {
                assert!(Name::parse(&clean).is_err());
                check_wire(&format!("! {error}\n"));
            }
            JoinOutcome::Ignored => assert!(clean.is_empty()),
            JoinOutcome::Unanswered => panic!("the room did not answer the join of {clean:?}"),
        }
    }

    fn ping(&mut self, seat: usize) {
        let live = !self.script.is_closed(seat);
        self.read(seat);
        let skipped_before = self.script.take_skipped(seat);
        self.script.send(seat, "/ping");
        let lines = self.read(seat);
        if live && seat < self.seats.len() {
            let skipped = skipped_before + self.script.take_skipped(seat);
            let last = lines.last().map(String::as_str);
            assert!(
                last == Some("-- pong\n") || skipped > 0,
                "ping got {lines:?}"
            );
        }
    }

    fn leave(&mut self, seat: usize, how: u8) {
        let live = seat < self.seats.len() && !self.script.is_closed(seat);
        let how = match how % 3 {
            0 => Departure::Closed,
            1 => Departure::Idle,
            _ => Departure::TooSlow,
        };
        self.script.leave(seat, how);
        if live {
            assert!(self.script.is_closed(seat) && self.script.is_kicked(seat));
            let lines = self.read(seat);
            let bye = match how {
                Departure::Closed => None,
                Departure::Idle => Some("-- bye (idle)\n"),
                Departure::TooSlow => Some("-- bye (too slow)\n"),
            };
            if let Some(bye) = bye {
                assert_eq!(lines.last().map(String::as_str), Some(bye));
            }
        }
    }

    /// The roster counts exactly the members the script has not seen go.
    fn check_roster(&mut self) {
        let names = roster(&self.script.online());
        let live = (0..self.seats.len())
            .filter(|&s| !self.script.is_closed(s))
            .count();
        assert_eq!(names.len(), live, "roster {names:?}");
        for pair in names.windows(2) {
            assert!(
                pair[0].key() < pair[1].key(),
                "roster out of order: {names:?}"
            );
        }
    }
}

/// One line as the server writes it: a newline at the end only, no other
/// control character, a kind a client can tell.
fn check_wire(line: &str) {
    let text = line.strip_suffix('\n').expect("ends in a newline");
    assert!(!text.chars().any(char::is_control), "control in {text:?}");
    let parsed = ServerLine::parse(text);
    assert!(
        !matches!(parsed, ServerLine::Unknown(_)),
        "unclassifiable {text:?}"
    );
}

/// The names of an `-- online (N): ...` line (none for an empty room).
fn roster(online: &str) -> Vec<Name> {
    let text = online.strip_suffix('\n').expect("ends in a newline");
    match ServerLine::parse(text) {
        ServerLine::Online(names) => names,
        _ => {
            assert_eq!(text, "-- online (0): ", "bad roster line");
            Vec::new()
        }
    }
}

fuzz_target!(|input: Input<'_>| {
    let queue_lines = 2 + usize::from(input.queue_lines % 64);
    let queue_bytes = 256 + usize::from(input.queue_bytes);
    let mut fuzz = Fuzz {
        script: RoomScript::new(
            usize::from(input.history % 16),
            200,
            queue_lines,
            queue_bytes,
        ),
        seats: Vec::new(),
    };
    for step in input.steps.into_iter().take(256) {
        match step {
            Step::Join(raw) => fuzz.join(raw),
            Step::Line { seat, start, text } => {
                let start = STARTS[usize::from(start) % STARTS.len()];
                let seat = fuzz.seat(seat);
                fuzz.script.send(seat, &format!("{start}{text}"));
            }
            Step::Msg { seat, to, text } => {
                let (seat, to) = (fuzz.seat(seat), fuzz.seat(to));
                let to = fuzz
                    .seats
                    .get(to)
                    .map_or("nobody", |m| m.joined_as.as_str());
                let line = format!("/msg {to} {text}");
                fuzz.script.send(seat, &line);
            }
            Step::Ping(seat) => {
                let seat = fuzz.seat(seat);
                fuzz.ping(seat);
            }
            Step::TooLong(seat) => {
                let seat = fuzz.seat(seat);
                fuzz.script.too_long(seat);
            }
            Step::Leave(seat, how) => {
                let seat = fuzz.seat(seat);
                fuzz.leave(seat, how);
            }
            Step::Read(seat) => {
                let seat = fuzz.seat(seat);
                fuzz.read(seat);
            }
        }
        fuzz.check_roster();
    }
    for seat in 0..fuzz.seats.len() {
        fuzz.read(seat);
    }
});
