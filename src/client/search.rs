//! Search in the scrollback (Ctrl-F, `/search TEXT`): the newest line that
//! contains the text, then older ones; Esc goes back to live.
//!
//! Matching is case-insensitive (full case folding, NFC) and works on
//! whole graphemes: `e` does not match the `e` of a decomposed `é`, and a
//! flag or a family emoji matches only whole.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use super::app::{App, Body};
use super::text;

/// A search in progress. While it lasts, the input line holds the text
/// searched for; what was typed before waits in `saved`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Search {
    /// The scrollback id of the line found, if any.
    pub hit: Option<u64>,
    /// The input line as it was before the search.
    pub saved: String,
    /// The search ran out of older lines.
    pub exhausted: bool,
}

/// The newest line older than the line with id `before` (all lines when
/// `None`) that contains `query`; hidden quiet joins and day lines are
/// passed over.
pub fn find(app: &App, query: &str, before: Option<u64>) -> Option<u64> {
    let needle = Folded::new(query);
    if needle.is_empty() {
        return None;
    }
    let end = match before {
        Some(id) => app.entries.index_of(id)?,
        None => app.entries.len(),
    };
    let entries: Vec<_> = app.entries.iter().take(end).collect();
    entries
        .iter()
        .rposition(|entry| {
            let hidden = entry.quiet && app.quiet.hide;
            let searchable = !hidden && !matches!(entry.body, Body::Day | Body::ReadMarker { .. });
            searchable && Folded::new(&text::plain(entry)).contains(&needle)
        })
        .map(|index| app.entries.id_of(index))
}

/// Text case-folded grapheme by grapheme, with where each grapheme starts.
struct Folded {
    text: String,
    /// Byte offsets in `text` where a grapheme starts, and its end.
    bounds: Vec<usize>,
}

impl Folded {
    fn new(text: &str) -> Folded {
        let mut folded = Folded {
            text: String::new(),
            bounds: vec![0],
        };
        for grapheme in text.graphemes(true) {
            folded.text.push_str(&fold(grapheme));
            folded.bounds.push(folded.text.len());
        }
        folded
    }

    fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Whether `needle` occurs here, starting and ending on graphemes.
    fn contains(&self, needle: &Folded) -> bool {
        let len = needle.text.len();
        len > 0
            && self.bounds.iter().any(|&start| {
                self.text[start..].starts_with(&needle.text)
                    && self.bounds.binary_search(&(start + len)).is_ok()
            })
    }
}

fn fold(grapheme: &str) -> String {
    caseless::default_case_fold_str(grapheme).nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(text: &str, query: &str) -> bool {
        Folded::new(text).contains(&Folded::new(query))
    }

    #[test]
    fn matching_ignores_case_and_respects_graphemes() {
        assert!(has("Bob: Hello World", "hello"));
        assert!(has("STRASSE", "straße"), "full case folding");
        assert!(has("café", "CAFÉ"));
        assert!(has("cafe\u{301}", "café"), "decomposed and composed");
        assert!(!has("cafe\u{301}", "cafe"), "not half a grapheme");
        assert!(has("family 👨‍👩‍👧 here", "👨‍👩‍👧"));
        assert!(!has("family 👨‍👩‍👧 here", "👨"), "not part of a family");
        assert!(has("你好世界", "世界"));
        assert!(!has("abc", ""));
    }
}
