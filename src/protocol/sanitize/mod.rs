//! Cleaning of client text before anyone else sees it.
//!
//! The server never relays a byte that can drive a terminal, reorder text
//! or hide in it: C0 controls (except TAB), DEL, C1 controls, bidirectional
//! controls and invisible characters are removed, and a zero width joiner
//! survives only between two emoji. Every run of blanks (Unicode white
//! space and the fillers that draw as an empty cell) becomes one space, so
//! padding cannot push text to the start of a wrapped terminal row, and the
//! result is trimmed. The terminal client applies the same rules again to
//! what it draws.

mod chars;

use chars::{Class, classify, is_parenthesis, keep_joiners_between_emoji};

/// Longest echo of user text inside a `!` error, in characters.
pub const ECHO_CHARS: usize = 32;

/// Cleans one line of client text as docs/protocol.md says.
///
/// The output never holds a control, bidi or invisible character, never
/// two blanks in a row, and never starts or ends with a space; it may be
/// empty (the caller ignores such lines).
pub fn sanitize(text: &str) -> String {
    let mut clean = collapse_blanks(strip_controls(text));
    // Removing a character can leave a joiner beside new neighbours, so
    // clean again until nothing changes: a second cleaning (the client's)
    // must find nothing to do. Each pass that changes the text removes a
    // character; in practice the second pass is the last.
    for _ in 0..MAX_PASSES {
        let again = collapse_blanks(strip_controls(&clean));
        if again == clean {
            break;
        }
        clean = again;
    }
    clean
}

/// Bound on the re-cleanings of [`sanitize`], so no input can make it
/// quadratic.
const MAX_PASSES: usize = 8;

/// The cleaning of [`sanitize`] without collapsing or trimming: every
/// character [`sanitize`] removes is removed, and every blank (TAB,
/// no-break and ideographic spaces, Hangul and Braille fillers, ...)
/// becomes one ASCII space, so the text keeps its spaces as typed while it
/// shows what will be sent. For text that is still being edited (the
/// client's input line); it is sanitized for real when it is sent.
pub fn strip_controls(text: &str) -> String {
    let mut clean = String::with_capacity(text.len());
    for c in text.chars() {
        match classify(c) {
            Class::Drop => {}
            Class::Blank => clean.push(' '),
            Class::Keep => clean.push(c),
        }
    }
    keep_joiners_between_emoji(clean)
}

/// Cleans a reason or an away message, which the server shows inside
/// parentheses (`-- alice has left (quit: REASON)`): as [`sanitize`], and
/// without any parenthesis, so it cannot close that one and forge a
/// second notice after it.
pub fn sanitize_reason(text: &str) -> String {
    let clean = sanitize(text);
    if !clean.contains(is_parenthesis) {
        return clean;
    }
    collapse_blanks(clean.replace(is_parenthesis, ""))
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

/// Turns every run of spaces into one and trims; the text holds no other
/// blank by now. Allocates only when there is something to change.
fn collapse_blanks(text: String) -> String {
    let untouched = !text.contains("  ") && !text.starts_with(' ') && !text.ends_with(' ');
    if untouched {
        return text;
    }
    let mut collapsed = String::with_capacity(text.len());
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

#[cfg(test)]
mod tests;
