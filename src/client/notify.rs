//! Notifications: which lines deserve one (`--notify`), and how to give
//! it. A desktop notification goes through the terminal's own escapes,
//! OSC 777 (VTE, foot, urxvt, WezTerm, Ghostty) and OSC 9 (iTerm2, kitty,
//! WezTerm, Windows Terminal), which travel over ssh like any output; a
//! terminal not known to show them gets the bell instead. While the
//! terminal reports that it has focus, nothing is sent.

use crate::protocol::{ServerLine, sanitize};

use super::app::{App, Body};
use super::classify::{Kind, Me, classify};
use super::event::Effect;
use super::prefs::Notify;

/// Longest notification text, in characters.
const MAX_CHARS: usize = 200;

/// The notification `body` deserves, if any.
pub fn effect(app: &App, body: &Body) -> Option<Effect> {
    if app.in_history || app.focused == Some(true) {
        return None;
    }
    let kind = classify(body, &Me::new(&app.name));
    let wanted = match app.prefs.notify {
        Notify::Off => false,
        Notify::Mentions => kind.wants_attention(),
        Notify::Private => kind == Kind::PrivateIn,
        Notify::All => {
            kind.wants_attention()
                || matches!(
                    kind,
                    Kind::Message { own: false, .. } | Kind::Action { own: false, .. }
                )
        }
    };
    let Body::Server(line) = body else {
        return None;
    };
    wanted.then(|| Effect::Notify(text(line)))
}

/// The line as a notification's text: sanitized, without `;` (OSC 777's
/// field separator), cut to [`MAX_CHARS`].
fn text(line: &ServerLine) -> String {
    sanitize(&line.to_string())
        .replace(';', ",")
        .chars()
        .take(MAX_CHARS)
        .collect()
}

/// How this terminal shows a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// OSC 777 and OSC 9 (a terminal ignores the one it does not know).
    Desktop,
    /// The bell.
    Bell,
}

/// Guesses the way from the environment a terminal sets.
pub fn way(env: impl Fn(&str) -> Option<String>) -> Way {
    let term = env("TERM").unwrap_or_default();
    let program = env("TERM_PROGRAM").unwrap_or_default();
    let known_program = ["iTerm.app", "WezTerm", "ghostty", "vscode"].contains(&program.as_str());
    let known_term = ["foot", "kitty", "rxvt", "ghostty", "wezterm"]
        .iter()
        .any(|t| term.contains(t));
    let vte = env("VTE_VERSION").is_some() || env("WT_SESSION").is_some();
    if known_program || known_term || vte {
        Way::Desktop
    } else {
        Way::Bell
    }
}

/// The bytes that notify with `text`.
pub fn sequence(way: Way, text: &str) -> String {
    match way {
        Way::Desktop => format!("\x1b]777;notify;chatty;{text}\x1b\\\x1b]9;{text}\x1b\\"),
        Way::Bell => "\x07".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_follows_the_terminal() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(
            way(env(&[("TERM", "xterm-256color"), ("VTE_VERSION", "7600")])),
            Way::Desktop
        );
        assert_eq!(way(env(&[("TERM", "foot")])), Way::Desktop);
        assert_eq!(way(env(&[("TERM_PROGRAM", "iTerm.app")])), Way::Desktop);
        assert_eq!(way(env(&[("TERM", "screen-256color")])), Way::Bell);
        assert_eq!(way(env(&[])), Way::Bell);
    }

    #[test]
    fn sequences_carry_only_clean_text() {
        let line = ServerLine::parse("bob: hi alice; \u{1b}]0;pwned\u{7}");
        let text = text(&line);
        assert!(!text.contains(['\u{1b}', '\u{7}', ';']), "{text:?}");
        let osc = sequence(Way::Desktop, &text);
        assert!(osc.starts_with("\x1b]777;notify;chatty;bob: hi alice,"));
        assert!(osc.contains("\x1b]9;bob"));
        assert_eq!(sequence(Way::Bell, &text), "\x07");
    }
}
