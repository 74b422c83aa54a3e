//! Cleaning of client text before anyone else sees it.
//!
//! The server never relays a byte that can drive a terminal: C0 controls
//! (except TAB), DEL and C1 controls are removed; TAB and the Unicode line
//! and paragraph separators become a space; the result is trimmed.

/// Longest echo of user text inside a `!` error, in characters.
pub const ECHO_CHARS: usize = 32;

/// Cleans one line of client text as `docs/protocol.md` says.
///
/// The output never holds a control character and never starts or ends with
/// whitespace; it may be empty (the caller ignores such lines).
pub fn sanitize(text: &str) -> String {
    trim_in_place(strip_controls(text))
}

/// The cleaning of [`sanitize`] without the trim: controls removed, TAB and
/// the line and paragraph separators made spaces, every other space kept.
/// For text that is still being edited (the client's input line).
pub fn strip_controls(text: &str) -> String {
    let mut clean = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\u{2028}' | '\u{2029}' => clean.push(' '),
            c if c.is_control() => {}
            c => clean.push(c),
        }
    }
    clean
}

/// Shortens already-clean text to at most `max` characters, marking a cut
/// with `…`, for echoing user input inside error lines.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => {
            let keep = text[..cut].char_indices().nth(max.saturating_sub(1));
            let end = keep.map_or(cut, |(i, _)| i);
            format!("{}…", &text[..end])
        }
    }
}

/// Sanitizes and shortens user text for quoting in a `!` error line.
pub fn echo(text: &str) -> String {
    shorten(&sanitize(text), ECHO_CHARS)
}

fn trim_in_place(text: String) -> String {
    let trimmed = text.trim();
    if trimmed.len() == text.len() {
        text
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn removes_terminal_controls() {
        assert_eq!(sanitize("a\x1b[31mred\x1b[0m"), "a[31mred[0m");
        assert_eq!(sanitize("bell\x07 del\x7f c1\u{9b}x"), "bell del c1x");
        assert_eq!(sanitize("osc\x1b]0;title\x07"), "osc]0;title");
    }

    #[test]
    fn tabs_and_separators_become_spaces() {
        assert_eq!(sanitize("a\tb\u{2028}c\u{2029}d"), "a b c d");
    }

    #[test]
    fn trims_and_may_end_empty() {
        assert_eq!(sanitize("  hi  \r"), "hi");
        assert_eq!(sanitize(" \t \x01 "), "");
    }

    #[test]
    fn strip_controls_keeps_the_spaces() {
        assert_eq!(strip_controls("  a\tb\x1b[0m \n"), "  a b[0m ");
    }

    #[test]
    fn keeps_unicode_text() {
        assert_eq!(sanitize("你好 👋🏽 Zoë"), "你好 👋🏽 Zoë");
    }

    #[test]
    fn shorten_marks_the_cut() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("你好世界啊", 3), "你好…");
    }

    proptest! {
        #[test]
        fn output_never_holds_a_control(text in any::<String>()) {
            let clean = sanitize(&text);
            prop_assert!(!clean.chars().any(char::is_control));
            prop_assert_eq!(clean.trim(), clean.as_str());
        }

        #[test]
        fn echo_is_bounded(text in any::<String>()) {
            prop_assert!(echo(&text).chars().count() <= ECHO_CHARS);
        }
    }
}
