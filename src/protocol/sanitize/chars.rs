//! The character classes the sanitizer sorts client text into.

use unicode_properties::UnicodeEmoji;
use unicode_segmentation::UnicodeSegmentation;

/// The zero width joiner: kept only inside an emoji sequence.
pub(super) const JOINER: char = '\u{200D}';

/// What the sanitizer does with one character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Class {
    /// Removed: it could drive a terminal, reorder text or hide in it.
    Drop,
    /// Shown as a space (and, in finished lines, a run of them as one).
    Blank,
    /// Passed through.
    Keep,
}

/// Sorts one character. A control is dropped even when Unicode counts it
/// as white space (CR, LF, VT, FF, NEL), as version 1 of the protocol
/// says; only TAB among them becomes a blank.
pub(super) fn classify(c: char) -> Class {
    if c == '\t' {
        Class::Blank
    } else if c.is_control() || is_hidden(c) {
        Class::Drop
    } else if is_blank(c) {
        Class::Blank
    } else {
        Class::Keep
    }
}

/// Bidirectional controls and invisible characters: they reorder text on a
/// bidi-capable terminal or hide inside a word. Beyond the protocol's list
/// this takes the rest of the U+2060 block (invisible operators and
/// deprecated format controls), which no chat text needs.
fn is_hidden(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{00AD}'
    )
}

/// Unicode `White_Space` and the fillers that draw as an empty cell.
fn is_blank(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{115F}' | '\u{1160}' | '\u{2800}' | '\u{3164}' | '\u{FFA0}'
        )
}

/// An emoji for the joiner rule: `Emoji=Yes`, except the ASCII digits,
/// `#` and `*` that Unicode also counts (they are emoji only in keycaps).
fn is_emoji(c: char) -> bool {
    !c.is_ascii() && c.is_emoji_char()
}

/// Removes every zero width joiner that does not join two emoji.
///
/// A joiner is kept when the grapheme cluster it sits in starts with an
/// emoji and the next character, in the same cluster, is an emoji too:
/// extended grapheme clusters (UAX #29, rule GB11) only join a joiner to
/// what follows it inside an emoji sequence, so `a\u{200D}b` loses its
/// joiner while `👨\u{200D}👩` keeps it.
pub(super) fn keep_joiners_between_emoji(text: String) -> String {
    if !text.contains(JOINER) {
        return text;
    }
    let mut kept = String::with_capacity(text.len());
    for cluster in text.graphemes(true) {
        let emoji_start = cluster.chars().next().is_some_and(is_emoji);
        let mut chars = cluster.chars().peekable();
        while let Some(c) = chars.next() {
            let joins = emoji_start && chars.peek().copied().is_some_and(is_emoji);
            if c != JOINER || joins {
                kept.push(c);
            }
        }
    }
    kept
}

/// Brackets that would let a reason close the parenthesis of the notice
/// it sits in: ASCII ones and their full-width and small forms.
pub(super) fn is_parenthesis(c: char) -> bool {
    matches!(
        c,
        '(' | ')' | '\u{FF08}' | '\u{FF09}' | '\u{FE59}' | '\u{FE5A}'
    )
}
