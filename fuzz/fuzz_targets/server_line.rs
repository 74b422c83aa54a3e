//! `ServerLine`: parsing any line never panics, and rendering a parsed
//! or built line then parsing it again gives the same value.

#![no_main]

use arbitrary::Arbitrary;
use chatty::fuzzing::{ByeReason, Name, ServerLine, sanitize};
use libfuzzer_sys::fuzz_target;

/// A line the server could send, from fuzz-chosen parts.
#[derive(Arbitrary, Debug)]
enum Built<'a> {
    Message(&'a str, &'a str),
    Action(&'a str, &'a str),
    Private(&'a str, &'a str, &'a str),
    YouAre(&'a str),
    Online(Vec<&'a str>),
    Arrived(&'a str),
    Left(&'a str, Option<&'a str>),
    Renamed(&'a str, &'a str),
    Bye(u8, &'a str),
    Skipped(u64),
    HistoryStart(usize),
    HistoryEnd,
    Error(&'a str),
}

#[derive(Arbitrary, Debug)]
enum Input<'a> {
    Raw(&'a str),
    Built(Built<'a>),
}

fn name(raw: &str) -> Option<Name> {
    Name::parse(raw).ok()
}

fn bye(kind: u8, text: &str) -> ByeReason {
    match kind % 7 {
        0 => ByeReason::Idle,
        1 => ByeReason::TooSlow,
        2 => ByeReason::Quit,
        3 => ByeReason::ShuttingDown,
        4 => ByeReason::LoginTimeout,
        5 => ByeReason::ServerFull,
        _ => ByeReason::Other(sanitize(text)),
    }
}

/// The value, when the parts make a line the server could send: valid
/// names, clean text, someone in an `-- online` roster.
fn build(built: Built<'_>) -> Option<ServerLine> {
    let text = |raw: &str| sanitize(raw);
    Some(match built {
        Built::Message(from, t) => ServerLine::Message {
            from: name(from)?,
            text: text(t),
        },
        Built::Action(from, t) => ServerLine::Action {
            from: name(from)?,
            text: text(t),
        },
        Built::Private(from, to, t) => ServerLine::Private {
            from: name(from)?,
            to: name(to)?,
            text: text(t),
        },
        Built::YouAre(who) => ServerLine::YouAre(name(who)?),
        Built::Online(names) if !names.is_empty() => {
            ServerLine::Online(names.into_iter().map(name).collect::<Option<_>>()?)
        }
        Built::Online(_) => return None,
        Built::Arrived(who) => ServerLine::Arrived(name(who)?),
        Built::Left(who, reason) => ServerLine::Left {
            name: name(who)?,
            reason: reason.map(text),
        },
        Built::Renamed(old, new) => ServerLine::Renamed {
            old: name(old)?,
            new: name(new)?,
        },
        Built::Bye(kind, t) => ServerLine::Bye(bye(kind, t)),
        Built::Skipped(count) => ServerLine::Skipped(count),
        Built::HistoryStart(count) => ServerLine::HistoryStart(count),
        Built::HistoryEnd => ServerLine::HistoryEnd,
        Built::Error(t) => ServerLine::Error(text(t)),
    })
}

fn assert_round_trip(line: &ServerLine) {
    let wire = line.to_string();
    assert!(!wire.contains('\n'), "{line:?} renders a newline");
    let again = ServerLine::parse(&wire);
    assert_eq!(&again, line, "{wire:?}");
}

fuzz_target!(|input: Input<'_>| {
    match input {
        Input::Raw(raw) => {
            let parsed = ServerLine::parse(raw);
            if !raw.contains('\n') {
                assert_round_trip(&parsed);
            }
        }
        Input::Built(built) => {
            let Some(line) = build(built) else { return };
            // A known reason in other words is that reason, not `Other`.
            if let ServerLine::Bye(ByeReason::Other(reason)) = &line
                && ServerLine::parse(&format!("-- bye ({reason})")) != line
            {
                return;
            }
            assert_round_trip(&line);
            let bytes = line.to_bytes();
            assert_eq!(bytes.last(), Some(&b'\n'));
        }
    }
});
