//! `Command::parse`: what a joined client's (sanitized) line asks for.

use std::fmt;
use std::time::Duration;

use super::duration::parse_chat_duration;
use super::tags::Seq;

/// A password typed in chat (`/oper`): its `Debug` never shows it, so a
/// logged request cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<hidden>)")
    }
}

/// One line from a joined client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// A room message; `//text` arrives here as `/text`.
    Say(String),
    /// `/me TEXT`
    Me(String),
    /// `/msg NAME TEXT`
    Msg { to: String, text: String },
    /// `/nick NEW`
    Nick(String),
    /// `/names` or `/who`
    Names,
    /// `/quit [REASON]`
    Quit(Option<String>),
    /// `/ping`
    Ping,
    /// `/help`
    Help,
    /// `/stats`
    Stats,
    /// `/away [MESSAGE]` (1.1)
    Away(Option<String>),
    /// `/back` (1.1)
    Back,
    /// `/ignore [NAME]`: without a name, list (1.1)
    Ignore(Option<String>),
    /// `/unignore NAME` (1.1)
    Unignore(String),
    /// `/session`: tell me my resume token (1.1)
    Session,
    /// `/tags`, a login command (1.1)
    Tags,
    /// `/resume TOKEN [SEQ]`, a login command (1.1)
    Resume { token: String, seq: Option<Seq> },
    /// `/oper NAME PASSWORD` (1.1)
    Oper { account: String, password: Password },
    /// `/kick NAME [REASON]` (1.1, operators)
    Kick {
        name: String,
        reason: Option<String>,
    },
    /// `/ban TARGET [DURATION] [REASON]` (1.1, operators)
    Ban {
        target: String,
        duration: Option<Duration>,
        reason: Option<String>,
    },
    /// `/unban TARGET` (1.1, operators)
    Unban(String),
    /// `/bans` (1.1, operators)
    Bans,
    /// `/mute NAME [DURATION]` (1.1, operators)
    Mute {
        name: String,
        duration: Option<Duration>,
    },
    /// `/unmute NAME` (1.1, operators)
    Unmute(String),
    /// A command used without what it needs; holds its usage text.
    Usage(&'static str),
    /// Any other `/word`; holds the word with its slash.
    Unknown(String),
}

impl Command {
    /// Parses a sanitized, non-empty line. Command words are
    /// case-insensitive; arguments are separated by whitespace.
    pub fn parse(line: &str) -> Command {
        let Some(rest) = line.strip_prefix('/') else {
            return Command::Say(line.to_owned());
        };
        if rest.starts_with('/') {
            return Command::Say(rest.to_owned());
        }
        let (word, args) = split_word(rest);
        match word.to_ascii_lowercase().as_str() {
            "me" => required(args, "/me TEXT", |text| Command::Me(text.to_owned())),
            "msg" => parse_msg(args),
            "nick" => required(args, "/nick NEW", |name| Command::Nick(name.to_owned())),
            "names" | "who" => Command::Names,
            "quit" => Command::Quit(optional(args)),
            "ping" => Command::Ping,
            "help" => Command::Help,
            "stats" => Command::Stats,
            "away" => Command::Away(optional(args)),
            "back" => Command::Back,
            "ignore" => Command::Ignore(optional(args)),
            "unignore" => required(args, "/unignore NAME", |name| {
                Command::Unignore(name.to_owned())
            }),
            "session" => Command::Session,
            "tags" => Command::Tags,
            "resume" => parse_resume(args),
            "oper" => parse_oper(args),
            "kick" => parse_kick(args),
            "ban" => parse_ban(args),
            "unban" => one_word(args, "/unban TARGET", Command::Unban),
            "bans" => Command::Bans,
            "mute" => parse_mute(args),
            "unmute" => one_word(args, "/unmute NAME", Command::Unmute),
            _ => Command::Unknown(format!("/{word}")),
        }
    }
}

fn split_word(text: &str) -> (&str, &str) {
    match text.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim_start()),
        None => (text, ""),
    }
}

fn required(args: &str, usage: &'static str, make: impl FnOnce(&str) -> Command) -> Command {
    if args.is_empty() {
        Command::Usage(usage)
    } else {
        make(args)
    }
}

fn optional(args: &str) -> Option<String> {
    (!args.is_empty()).then(|| args.to_owned())
}

fn parse_resume(args: &str) -> Command {
    let mut words = args.split_whitespace();
    let usage = Command::Usage("/resume TOKEN [SEQ]");
    let Some(token) = words.next() else {
        return usage;
    };
    let seq = match words.next().map(str::parse) {
        None => None,
        Some(Ok(seq)) => Some(seq),
        Some(Err(_)) => return usage,
    };
    if words.next().is_some() {
        return usage;
    }
    let token = token.to_owned();
    Command::Resume { token, seq }
}

fn parse_oper(args: &str) -> Command {
    match split_word(args) {
        (account, password) if !account.is_empty() && !password.is_empty() => Command::Oper {
            account: account.to_owned(),
            password: Password(password.to_owned()),
        },
        _ => Command::Usage("/oper NAME PASSWORD"),
    }
}

fn parse_kick(args: &str) -> Command {
    match split_word(args) {
        ("", _) => Command::Usage("/kick NAME [REASON]"),
        (name, reason) => Command::Kick {
            name: name.to_owned(),
            reason: optional(reason),
        },
    }
}

/// `TARGET [DURATION] [REASON]`: a second word that reads as a duration
/// is one; anything else starts the reason.
fn parse_ban(args: &str) -> Command {
    let (target, rest) = split_word(args);
    if target.is_empty() {
        return Command::Usage("/ban TARGET [DURATION] [REASON]");
    }
    let (first, after) = split_word(rest);
    let (duration, reason) = match parse_chat_duration(first) {
        Some(duration) => (Some(duration), after),
        None => (None, rest),
    };
    Command::Ban {
        target: target.to_owned(),
        duration,
        reason: optional(reason),
    }
}

fn parse_mute(args: &str) -> Command {
    let usage = Command::Usage("/mute NAME [DURATION]");
    let mut words = args.split_whitespace();
    let Some(name) = words.next() else {
        return usage;
    };
    let duration = match words.next().map(parse_chat_duration) {
        None => None,
        Some(Some(duration)) => Some(duration),
        Some(None) => return usage,
    };
    if words.next().is_some() {
        return usage;
    }
    let name = name.to_owned();
    Command::Mute { name, duration }
}

/// A command that takes exactly one word.
fn one_word(args: &str, usage: &'static str, make: impl FnOnce(String) -> Command) -> Command {
    let mut words = args.split_whitespace();
    match (words.next(), words.next()) {
        (Some(word), None) => make(word.to_owned()),
        _ => Command::Usage(usage),
    }
}

fn parse_msg(args: &str) -> Command {
    match split_word(args) {
        (to, text) if !to.is_empty() && !text.is_empty() => Command::Msg {
            to: to.to_owned(),
            text: text.to_owned(),
        },
        _ => Command::Usage("/msg NAME TEXT"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(text: &str) -> Command {
        Command::Say(text.to_owned())
    }

    #[test]
    fn plain_lines_are_messages() {
        assert_eq!(Command::parse("hello /me"), say("hello /me"));
        assert_eq!(
            Command::parse("//me is not a command"),
            say("/me is not a command")
        );
    }

    #[test]
    fn every_command() {
        assert_eq!(Command::parse("/me waves"), Command::Me("waves".into()));
        assert_eq!(
            Command::parse("/msg bob  psst  there"),
            Command::Msg {
                to: "bob".into(),
                text: "psst  there".into()
            }
        );
        assert_eq!(Command::parse("/nick carol"), Command::Nick("carol".into()));
        assert_eq!(Command::parse("/names"), Command::Names);
        assert_eq!(Command::parse("/who"), Command::Names);
        assert_eq!(Command::parse("/quit"), Command::Quit(None));
        assert_eq!(
            Command::parse("/quit see you"),
            Command::Quit(Some("see you".into()))
        );
        assert_eq!(Command::parse("/ping"), Command::Ping);
        assert_eq!(Command::parse("/help"), Command::Help);
        assert_eq!(Command::parse("/PING"), Command::Ping);
    }

    #[test]
    fn version_1_1_commands() {
        assert_eq!(Command::parse("/away"), Command::Away(None));
        assert_eq!(
            Command::parse("/away at lunch"),
            Command::Away(Some("at lunch".into()))
        );
        assert_eq!(Command::parse("/back"), Command::Back);
        assert_eq!(Command::parse("/ignore"), Command::Ignore(None));
        assert_eq!(
            Command::parse("/ignore bob"),
            Command::Ignore(Some("bob".into()))
        );
        assert_eq!(
            Command::parse("/unignore bob"),
            Command::Unignore("bob".into())
        );
        assert_eq!(
            Command::parse("/unignore"),
            Command::Usage("/unignore NAME")
        );
        assert_eq!(Command::parse("/session"), Command::Session);
        assert_eq!(Command::parse("/tags"), Command::Tags);
        assert_eq!(
            Command::parse("/resume ab12 42"),
            Command::Resume {
                token: "ab12".into(),
                seq: Some(42)
            }
        );
        assert_eq!(
            Command::parse("/resume ab12"),
            Command::Resume {
                token: "ab12".into(),
                seq: None
            }
        );
        for bad in ["/resume", "/resume ab12 x", "/resume a 1 2"] {
            assert_eq!(Command::parse(bad), Command::Usage("/resume TOKEN [SEQ]"));
        }
    }

    #[test]
    fn operator_commands() {
        assert_eq!(
            Command::parse("/oper root s3cret words"),
            Command::Oper {
                account: "root".into(),
                password: Password("s3cret words".into())
            }
        );
        assert_eq!(
            Command::parse("/oper root"),
            Command::Usage("/oper NAME PASSWORD")
        );
        assert_eq!(
            Command::parse("/kick troll go away"),
            Command::Kick {
                name: "troll".into(),
                reason: Some("go away".into())
            }
        );
        assert_eq!(
            Command::parse("/kick troll"),
            Command::Kick {
                name: "troll".into(),
                reason: None
            }
        );
        assert_eq!(
            Command::parse("/ban troll 1h spam links"),
            Command::Ban {
                target: "troll".into(),
                duration: Some(Duration::from_secs(3600)),
                reason: Some("spam links".into())
            }
        );
        assert_eq!(
            Command::parse("/ban 10.0.0.0/8 spam"),
            Command::Ban {
                target: "10.0.0.0/8".into(),
                duration: None,
                reason: Some("spam".into())
            }
        );
        assert_eq!(
            Command::parse("/ban troll 7d"),
            Command::Ban {
                target: "troll".into(),
                duration: Some(Duration::from_secs(7 * 86400)),
                reason: None
            }
        );
        assert_eq!(
            Command::parse("/unban troll"),
            Command::Unban("troll".into())
        );
        assert_eq!(Command::parse("/unban"), Command::Usage("/unban TARGET"));
        assert_eq!(Command::parse("/bans"), Command::Bans);
        assert_eq!(
            Command::parse("/mute troll 30m"),
            Command::Mute {
                name: "troll".into(),
                duration: Some(Duration::from_secs(1800))
            }
        );
        assert_eq!(
            Command::parse("/mute troll soon"),
            Command::Usage("/mute NAME [DURATION]")
        );
        assert_eq!(
            Command::parse("/unmute troll"),
            Command::Unmute("troll".into())
        );
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let command = Command::parse("/oper root hunter2");
        assert!(!format!("{command:?}").contains("hunter2"));
    }

    #[test]
    fn missing_arguments_give_usage() {
        assert_eq!(Command::parse("/me"), Command::Usage("/me TEXT"));
        assert_eq!(Command::parse("/msg bob"), Command::Usage("/msg NAME TEXT"));
        assert_eq!(Command::parse("/msg"), Command::Usage("/msg NAME TEXT"));
        assert_eq!(Command::parse("/nick"), Command::Usage("/nick NEW"));
    }

    #[test]
    fn unknown_commands_keep_their_word() {
        assert_eq!(
            Command::parse("/dance now"),
            Command::Unknown("/dance".into())
        );
        assert_eq!(Command::parse("/"), Command::Unknown("/".into()));
    }
}
