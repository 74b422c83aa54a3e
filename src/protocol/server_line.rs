//! `ServerLine`: every line the server sends, typed.
//!
//! `Display` renders the exact wire text (without the `\n`); [`ServerLine::parse`]
//! classifies any received line for clients. No other module writes a
//! `-- ` or `! ` prefix by hand.

use std::fmt;

use bytes::Bytes;

use super::name::Name;

/// Why the server closes a connection, as written in `-- bye (REASON)`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ByeReason {
    Idle,
    TooSlow,
    Quit,
    ShuttingDown,
    LoginTimeout,
    ServerFull,
    /// Over a per-address limit (open connections, or new ones per window).
    TooManyConnections,
    /// Another connection took the seat back (`/resume`).
    ResumedElsewhere,
    /// An operator removed the member (`/kick`), maybe saying why.
    Kicked(Option<String>),
    /// A ban matched the member or its address, maybe saying why.
    Banned(Option<String>),
    /// A reason this version does not know (parsed from another server).
    Other(String),
}

/// One line from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerLine {
    /// `NAME: TEXT`
    Message { from: Name, text: String },
    /// `* NAME TEXT`
    Action { from: Name, text: String },
    /// `NAME -> NAME: TEXT`
    Private { from: Name, to: Name, text: String },
    /// `-- you are NAME`
    YouAre(Name),
    /// `-- online (N): NAME, NAME, ...`
    Online(Vec<Name>),
    /// `-- NAME has arrived`
    Arrived(Name),
    /// `-- NAME has left` or `-- NAME has left (REASON)`
    Left { name: Name, reason: Option<String> },
    /// `-- OLD is now known as NEW`
    Renamed { old: Name, new: Name },
    /// `-- bye (REASON)`
    Bye(ByeReason),
    /// `-- N messages skipped`
    Skipped(u64),
    /// `-- history (N)`
    HistoryStart(usize),
    /// `-- end of history`
    HistoryEnd,
    /// `-- tags on` (1.1)
    TagsOn,
    /// `-- NAME is away` or `-- NAME is away (MESSAGE)` (1.1)
    Away { name: Name, message: Option<String> },
    /// `-- NAME is back` (1.1)
    Back(Name),
    /// `-- resumed (N)` (1.1)
    ResumedStart(usize),
    /// `-- end of resumed` (1.1)
    ResumedEnd,
    /// `-- session TOKEN` (1.1)
    Session(String),
    /// `-- ignoring NAME` (1.1)
    Ignoring(Name),
    /// `-- no longer ignoring NAME` (1.1)
    NotIgnoring(Name),
    /// `-- ignoring (N): NAME, ...` or `-- ignoring (0)` (1.1)
    IgnoreList(Vec<Name>),
    /// Any other notice: `-- TEXT` (welcome, help, pong).
    Notice(String),
    /// `! TEXT`: an error about the recipient's own last line.
    Error(String),
    /// A line that fits no rule (only from [`ServerLine::parse`]).
    Unknown(String),
}

impl ServerLine {
    /// A free-text notice.
    pub fn notice(text: impl Into<String>) -> ServerLine {
        ServerLine::Notice(text.into())
    }

    /// `! the room is unavailable, try again`: a line a shared room's
    /// engine could not order (it was not sent and never will be).
    pub fn unavailable() -> ServerLine {
        ServerLine::error("the room is unavailable, try again")
    }

    /// An error line.
    pub fn error(text: impl Into<String>) -> ServerLine {
        ServerLine::Error(text.into())
    }

    /// The wire bytes, `\n` included, formatted once to share with every
    /// recipient, in a buffer of exactly their size: queues count what a
    /// line holds, and a `String` keeps up to twice its length.
    pub fn to_bytes(&self) -> Bytes {
        exact(format!("{self}\n"))
    }

    /// The wire bytes of `-- online (N): ...` from names already joined with
    /// `, ` in roster order: the same text as [`ServerLine::Online`] without
    /// a `Name` per member (the room keeps its roster joined).
    pub fn online_bytes(count: usize, joined_names: &str) -> Bytes {
        exact(format!("-- online ({count}): {joined_names}\n"))
    }

    /// Whether the room keeps this line in its history.
    pub fn is_room_talk(&self) -> bool {
        matches!(self, ServerLine::Message { .. } | ServerLine::Action { .. })
    }

    /// Classifies a received line (without its newline). Never fails: a line
    /// that fits no rule is `Unknown`.
    pub fn parse(line: &str) -> ServerLine {
        if let Some(text) = line.strip_prefix("-- ") {
            return parse_notice(text);
        }
        if let Some(text) = line.strip_prefix("! ") {
            return ServerLine::Error(text.to_owned());
        }
        if let Some(action) = line.strip_prefix("* ").and_then(parse_action) {
            return action;
        }
        parse_talk(line).unwrap_or_else(|| ServerLine::Unknown(line.to_owned()))
    }
}

fn name(text: &str) -> Option<Name> {
    Name::parse(text).ok().filter(|n| n.as_str() == text)
}

fn parse_action(rest: &str) -> Option<ServerLine> {
    let (from, text) = rest.split_once(' ')?;
    Some(ServerLine::Action {
        from: name(from)?,
        text: text.to_owned(),
    })
}

fn parse_talk(line: &str) -> Option<ServerLine> {
    let (head, text) = line.split_once(": ")?;
    let text = text.to_owned();
    match head.split_once(" -> ") {
        Some((from, to)) => Some(ServerLine::Private {
            from: name(from)?,
            to: name(to)?,
            text,
        }),
        None => Some(ServerLine::Message {
            from: name(head)?,
            text,
        }),
    }
}

fn parse_notice(text: &str) -> ServerLine {
    parse_known_notice(text).unwrap_or_else(|| ServerLine::Notice(text.to_owned()))
}

fn parse_known_notice(text: &str) -> Option<ServerLine> {
    match text {
        "end of history" => return Some(ServerLine::HistoryEnd),
        "end of resumed" => return Some(ServerLine::ResumedEnd),
        "tags on" => return Some(ServerLine::TagsOn),
        _ => {}
    }
    if let Some(line) = parse_v11_notice(text) {
        return Some(line);
    }
    if let Some(who) = text.strip_prefix("you are ") {
        return name(who).map(ServerLine::YouAre);
    }
    if let Some(rest) = text.strip_prefix("online (") {
        return parse_online(rest);
    }
    if let Some(reason) = text.strip_prefix("bye (").and_then(|r| r.strip_suffix(')')) {
        return Some(ServerLine::Bye(ByeReason::parse(reason)));
    }
    if let Some(count) = text
        .strip_prefix("history (")
        .and_then(|r| r.strip_suffix(')'))
    {
        return count.parse().ok().map(ServerLine::HistoryStart);
    }
    if let Some(count) = text.strip_suffix(" messages skipped") {
        return count.parse().ok().map(ServerLine::Skipped);
    }
    parse_event(text)
}

/// The notices of version 1.1 that are not events about a name.
fn parse_v11_notice(text: &str) -> Option<ServerLine> {
    if let Some(count) = text
        .strip_prefix("resumed (")
        .and_then(|r| r.strip_suffix(')'))
    {
        return count.parse().ok().map(ServerLine::ResumedStart);
    }
    if let Some(token) = text.strip_prefix("session ") {
        let hex = !token.is_empty() && token.chars().all(|c| c.is_ascii_hexdigit());
        return hex.then(|| ServerLine::Session(token.to_owned()));
    }
    if let Some(rest) = text.strip_prefix("ignoring (") {
        return parse_ignore_list(rest);
    }
    if let Some(who) = text.strip_prefix("ignoring ") {
        return name(who).map(ServerLine::Ignoring);
    }
    let who = text.strip_prefix("no longer ignoring ")?;
    name(who).map(ServerLine::NotIgnoring)
}

fn parse_ignore_list(rest: &str) -> Option<ServerLine> {
    if rest == "0)" {
        return Some(ServerLine::IgnoreList(Vec::new()));
    }
    let (count, list) = rest.split_once("): ")?;
    let count: usize = count.parse().ok()?;
    let names: Vec<Name> = list.split(", ").map(name).collect::<Option<_>>()?;
    (names.len() == count && count > 0).then_some(ServerLine::IgnoreList(names))
}

fn parse_online(rest: &str) -> Option<ServerLine> {
    let (count, list) = rest.split_once("): ")?;
    let count: usize = count.parse().ok()?;
    let names: Option<Vec<Name>> = list.split(", ").map(name).collect();
    let names = names?;
    (names.len() == count).then_some(ServerLine::Online(names))
}

/// `NAME has arrived`, `NAME has left [(REASON)]`, `OLD is now known as NEW`.
fn parse_event(text: &str) -> Option<ServerLine> {
    let (who, event) = text.split_once(' ')?;
    let who = name(who)?;
    if event == "has arrived" {
        return Some(ServerLine::Arrived(who));
    }
    if event == "has left" {
        return Some(ServerLine::Left {
            name: who,
            reason: None,
        });
    }
    if let Some(reason) = event
        .strip_prefix("has left (")
        .and_then(|r| r.strip_suffix(')'))
    {
        let reason = Some(reason.to_owned());
        return Some(ServerLine::Left { name: who, reason });
    }
    if event == "is away" {
        return Some(ServerLine::Away {
            name: who,
            message: None,
        });
    }
    if let Some(message) = event
        .strip_prefix("is away (")
        .and_then(|r| r.strip_suffix(')'))
    {
        let message = Some(message.to_owned());
        return Some(ServerLine::Away { name: who, message });
    }
    if event == "is back" {
        return Some(ServerLine::Back(who));
    }
    let new = name(event.strip_prefix("is now known as ")?)?;
    Some(ServerLine::Renamed { old: who, new })
}

impl ByeReason {
    fn parse(text: &str) -> ByeReason {
        match text {
            "idle" => ByeReason::Idle,
            "too slow" => ByeReason::TooSlow,
            "quit" => ByeReason::Quit,
            "server shutting down" => ByeReason::ShuttingDown,
            "login timeout" => ByeReason::LoginTimeout,
            "server full" => ByeReason::ServerFull,
            "too many connections" => ByeReason::TooManyConnections,
            "resumed elsewhere" => ByeReason::ResumedElsewhere,
            "kicked" => ByeReason::Kicked(None),
            "banned" => ByeReason::Banned(None),
            other => {
                if let Some(why) = other.strip_prefix("kicked: ") {
                    return ByeReason::Kicked(Some(why.to_owned()));
                }
                if let Some(why) = other.strip_prefix("banned: ") {
                    return ByeReason::Banned(Some(why.to_owned()));
                }
                ByeReason::Other(other.to_owned())
            }
        }
    }
}

impl fmt::Display for ByeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            ByeReason::Idle => "idle",
            ByeReason::TooSlow => "too slow",
            ByeReason::Quit => "quit",
            ByeReason::ShuttingDown => "server shutting down",
            ByeReason::LoginTimeout => "login timeout",
            ByeReason::ServerFull => "server full",
            ByeReason::TooManyConnections => "too many connections",
            ByeReason::ResumedElsewhere => "resumed elsewhere",
            ByeReason::Kicked(None) => "kicked",
            ByeReason::Kicked(Some(why)) => return write!(f, "kicked: {why}"),
            ByeReason::Banned(None) => "banned",
            ByeReason::Banned(Some(why)) => return write!(f, "banned: {why}"),
            ByeReason::Other(text) => text,
        };
        f.write_str(text)
    }
}

impl fmt::Display for ServerLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerLine::Message { from, text } => write!(f, "{from}: {text}"),
            ServerLine::Action { from, text } => write!(f, "* {from} {text}"),
            ServerLine::Private { from, to, text } => write!(f, "{from} -> {to}: {text}"),
            ServerLine::YouAre(name) => write!(f, "-- you are {name}"),
            ServerLine::Online(names) => write_online(f, names),
            ServerLine::Arrived(name) => write!(f, "-- {name} has arrived"),
            ServerLine::Left { name, reason: None } => write!(f, "-- {name} has left"),
            ServerLine::Left {
                name,
                reason: Some(reason),
            } => {
                write!(f, "-- {name} has left ({reason})")
            }
            ServerLine::Renamed { old, new } => write!(f, "-- {old} is now known as {new}"),
            ServerLine::Bye(reason) => write!(f, "-- bye ({reason})"),
            ServerLine::Skipped(count) => write!(f, "-- {count} messages skipped"),
            ServerLine::HistoryStart(count) => write!(f, "-- history ({count})"),
            ServerLine::HistoryEnd => f.write_str("-- end of history"),
            ServerLine::TagsOn => f.write_str("-- tags on"),
            ServerLine::Away {
                name,
                message: None,
            } => write!(f, "-- {name} is away"),
            ServerLine::Away {
                name,
                message: Some(message),
            } => write!(f, "-- {name} is away ({message})"),
            ServerLine::Back(name) => write!(f, "-- {name} is back"),
            ServerLine::ResumedStart(count) => write!(f, "-- resumed ({count})"),
            ServerLine::ResumedEnd => f.write_str("-- end of resumed"),
            ServerLine::Session(token) => write!(f, "-- session {token}"),
            ServerLine::Ignoring(name) => write!(f, "-- ignoring {name}"),
            ServerLine::NotIgnoring(name) => write!(f, "-- no longer ignoring {name}"),
            ServerLine::IgnoreList(names) if names.is_empty() => f.write_str("-- ignoring (0)"),
            ServerLine::IgnoreList(names) => {
                f.write_str("-- ignoring ")?;
                write_names(f, names)
            }
            ServerLine::Notice(text) => write!(f, "-- {text}"),
            ServerLine::Error(text) => write!(f, "! {text}"),
            ServerLine::Unknown(text) => f.write_str(text),
        }
    }
}

fn write_online(f: &mut fmt::Formatter<'_>, names: &[Name]) -> fmt::Result {
    f.write_str("-- online ")?;
    write_names(f, names)
}

/// `(N): NAME, NAME, ...`
fn write_names(f: &mut fmt::Formatter<'_>, names: &[Name]) -> fmt::Result {
    write!(f, "({}): ", names.len())?;
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{name}")?;
    }
    Ok(())
}

/// `text` without its spare capacity.
fn exact(text: String) -> Bytes {
    Bytes::from(text.into_bytes().into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn online_bytes_match_the_online_line() {
        let names: Vec<Name> = ["alice", "Bob", "小明"]
            .iter()
            .map(|n| Name::parse(n).expect("valid"))
            .collect();
        let joined = names
            .iter()
            .map(Name::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        assert_eq!(
            ServerLine::online_bytes(3, &joined),
            ServerLine::Online(names).to_bytes()
        );
    }

    fn n(text: &str) -> Name {
        Name::parse(text).expect("valid name")
    }

    fn examples() -> Vec<(ServerLine, &'static str)> {
        let text = |t: &str| t.to_owned();
        vec![
            (
                ServerLine::Message {
                    from: n("bob"),
                    text: text("anyone here?"),
                },
                "bob: anyone here?",
            ),
            (
                ServerLine::Action {
                    from: n("alice"),
                    text: text("waves"),
                },
                "* alice waves",
            ),
            (
                ServerLine::Private {
                    from: n("alice"),
                    to: n("bob"),
                    text: text("psst"),
                },
                "alice -> bob: psst",
            ),
            (ServerLine::YouAre(n("alice")), "-- you are alice"),
            (
                ServerLine::Online(vec![n("alice"), n("bob")]),
                "-- online (2): alice, bob",
            ),
            (ServerLine::Arrived(n("carol")), "-- carol has arrived"),
            (
                ServerLine::Left {
                    name: n("bob"),
                    reason: None,
                },
                "-- bob has left",
            ),
            (
                ServerLine::Left {
                    name: n("bob"),
                    reason: Some(text("quit: see you")),
                },
                "-- bob has left (quit: see you)",
            ),
            (
                ServerLine::Renamed {
                    old: n("bob"),
                    new: n("Bob"),
                },
                "-- bob is now known as Bob",
            ),
            (ServerLine::Bye(ByeReason::TooSlow), "-- bye (too slow)"),
            (
                ServerLine::Bye(ByeReason::TooManyConnections),
                "-- bye (too many connections)",
            ),
            (
                ServerLine::Bye(ByeReason::ShuttingDown),
                "-- bye (server shutting down)",
            ),
            (ServerLine::Skipped(12), "-- 12 messages skipped"),
            (ServerLine::HistoryStart(1), "-- history (1)"),
            (ServerLine::HistoryEnd, "-- end of history"),
            (ServerLine::notice("pong"), "-- pong"),
            (ServerLine::TagsOn, "-- tags on"),
            (
                ServerLine::Away {
                    name: n("bob"),
                    message: None,
                },
                "-- bob is away",
            ),
            (
                ServerLine::Away {
                    name: n("bob"),
                    message: Some(text("lunch, back at 2")),
                },
                "-- bob is away (lunch, back at 2)",
            ),
            (ServerLine::Back(n("bob")), "-- bob is back"),
            (ServerLine::ResumedStart(3), "-- resumed (3)"),
            (ServerLine::ResumedEnd, "-- end of resumed"),
            (ServerLine::Session(text("0a1b2c")), "-- session 0a1b2c"),
            (ServerLine::Ignoring(n("bob")), "-- ignoring bob"),
            (
                ServerLine::NotIgnoring(n("bob")),
                "-- no longer ignoring bob",
            ),
            (ServerLine::IgnoreList(Vec::new()), "-- ignoring (0)"),
            (
                ServerLine::IgnoreList(vec![n("bob"), n("carol")]),
                "-- ignoring (2): bob, carol",
            ),
            (
                ServerLine::Bye(ByeReason::Kicked(Some("spam".into()))),
                "-- bye (kicked: spam)",
            ),
            (ServerLine::Bye(ByeReason::Banned(None)), "-- bye (banned)"),
            (
                ServerLine::Bye(ByeReason::ResumedElsewhere),
                "-- bye (resumed elsewhere)",
            ),
            (
                ServerLine::Left {
                    name: n("session"),
                    reason: Some(text("connection lost")),
                },
                "-- session has left (connection lost)",
            ),
            (
                ServerLine::Arrived(n("ignoring")),
                "-- ignoring has arrived",
            ),
            (
                ServerLine::error("no user named \"x\""),
                "! no user named \"x\"",
            ),
        ]
    }

    #[test]
    fn renders_the_exact_wire_text() {
        for (line, wire) in examples() {
            assert_eq!(line.to_string(), wire);
        }
    }

    #[test]
    fn parses_what_it_renders() {
        for (line, wire) in examples() {
            assert_eq!(ServerLine::parse(wire), line, "{wire}");
        }
    }

    #[test]
    fn text_that_looks_like_a_line_stays_text() {
        assert_eq!(
            ServerLine::parse("bob: -- alice has arrived"),
            ServerLine::Message {
                from: n("bob"),
                text: "-- alice has arrived".into()
            }
        );
        assert_eq!(
            ServerLine::parse("alice: bob -> carol: hi"),
            ServerLine::Message {
                from: n("alice"),
                text: "bob -> carol: hi".into()
            }
        );
    }

    #[test]
    fn other_lines_are_unknown_or_free_notices() {
        assert_eq!(
            ServerLine::parse("127.0.0.1:5555: hi"),
            ServerLine::Unknown("127.0.0.1:5555: hi".into())
        );
        assert_eq!(
            ServerLine::parse("-- online (3): a, b"),
            ServerLine::notice("online (3): a, b")
        );
        assert_eq!(
            ServerLine::parse("-- welcome!"),
            ServerLine::notice("welcome!")
        );
    }

    proptest! {
        #[test]
        fn parse_accepts_any_string(line in any::<String>()) {
            let _ = ServerLine::parse(&line);
        }

        #[test]
        fn message_round_trips(text in "[^\n]{1,40}") {
            let line = ServerLine::Message { from: n("zoë"), text };
            prop_assert_eq!(ServerLine::parse(&line.to_string()), line);
        }
    }
}
