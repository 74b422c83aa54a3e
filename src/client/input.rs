//! The input line: a shell-like editor that moves and deletes by grapheme,
//! recall of sent lines, and tab completion of names. Pure data, no I/O.

use std::collections::VecDeque;

use unicode_segmentation::UnicodeSegmentation;

/// Sent lines kept for Up/Down recall.
pub const HISTORY_LINES: usize = 100;

/// Text plus a cursor, which always sits on a grapheme boundary (a byte
/// offset into `text`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineEditor {
    text: String,
    cursor: usize,
}

impl LineEditor {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Replaces the text, cursor at the end.
    pub fn set(&mut self, text: &str) {
        self.text = text.to_owned();
        self.cursor = self.text.len();
    }

    /// Empties the line and returns what it held.
    pub fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    pub fn insert(&mut self, text: &str) {
        self.text.insert_str(self.cursor, text);
        self.cursor += text.len();
        self.snap();
    }

    pub fn left(&mut self) {
        self.cursor = self.prev_boundary();
    }

    pub fn right(&mut self) {
        self.cursor = self.next_boundary();
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.len();
    }

    pub fn backspace(&mut self) {
        let start = self.prev_boundary();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    pub fn delete(&mut self) {
        let end = self.next_boundary();
        self.text.replace_range(self.cursor..end, "");
    }

    /// Ctrl-W: deletes the word before the cursor (and the spaces after it).
    pub fn delete_word_back(&mut self) {
        let start = self.word_start();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Ctrl-U: deletes from the start of the line to the cursor.
    pub fn delete_to_start(&mut self) {
        self.text.replace_range(..self.cursor, "");
        self.cursor = 0;
    }

    /// Alt-B: to the start of the previous word.
    pub fn word_left(&mut self) {
        self.cursor = self.word_start();
    }

    /// Alt-F: to the end of the next word.
    pub fn word_right(&mut self) {
        let rest = &self.text[self.cursor..];
        let skip = rest.len() - rest.trim_start().len();
        let word = rest[skip..]
            .find(char::is_whitespace)
            .unwrap_or(rest.len() - skip);
        self.cursor += skip + word;
    }

    /// The word the cursor ends: its byte start.
    pub fn word_start(&self) -> usize {
        let before = self.text[..self.cursor].trim_end();
        before.rfind(char::is_whitespace).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        })
    }

    /// Replaces `start..cursor` with `text`.
    pub fn replace_before_cursor(&mut self, start: usize, text: &str) {
        self.text.replace_range(start..self.cursor, text);
        self.cursor = start + text.len();
    }

    fn prev_boundary(&self) -> usize {
        self.text[..self.cursor]
            .grapheme_indices(true)
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.cursor..]
            .graphemes(true)
            .next()
            .map_or(self.cursor, |g| self.cursor + g.len())
    }

    /// Moves the cursor back onto a grapheme boundary after an insert that
    /// joined with the text after it (a combining mark, say).
    fn snap(&mut self) {
        let on_boundary = self
            .text
            .grapheme_indices(true)
            .any(|(i, _)| i == self.cursor);
        if !on_boundary && self.cursor < self.text.len() {
            self.cursor = self.next_boundary_from(self.cursor);
        }
    }

    fn next_boundary_from(&self, at: usize) -> usize {
        self.text
            .grapheme_indices(true)
            .map(|(i, _)| i)
            .find(|&i| i > at)
            .unwrap_or(self.text.len())
    }
}

/// The last [`HISTORY_LINES`] sent lines, and where Up/Down recall is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    lines: VecDeque<String>,
    /// Index of the recalled line; `None` when editing a fresh line.
    pos: Option<usize>,
    /// The fresh line put aside while recalling.
    draft: String,
}

impl History {
    pub fn push(&mut self, line: String) {
        self.pos = None;
        if self.lines.back() == Some(&line) {
            return;
        }
        self.lines.push_back(line);
        if self.lines.len() > HISTORY_LINES {
            self.lines.pop_front();
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Up: the previous line, if any; `current` is kept as the draft.
    pub fn older(&mut self, current: &str) -> Option<&str> {
        let pos = match self.pos {
            None if self.lines.is_empty() => return None,
            None => {
                self.draft = current.to_owned();
                self.lines.len() - 1
            }
            Some(pos) => pos.saturating_sub(1),
        };
        self.pos = Some(pos);
        self.lines.get(pos).map(String::as_str)
    }

    /// Down: the next line, or the draft past the newest.
    pub fn newer(&mut self) -> Option<&str> {
        let pos = self.pos?;
        if pos + 1 < self.lines.len() {
            self.pos = Some(pos + 1);
            return self.lines.get(pos + 1).map(String::as_str);
        }
        self.pos = None;
        Some(&self.draft)
    }
}

/// A tab completion in progress: Tab again replaces the inserted name with
/// the next candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// Byte offset where the completed word starts.
    pub start: usize,
    pub candidates: Vec<String>,
    pub index: usize,
    /// The word started the line: complete as `NAME: `.
    pub at_line_start: bool,
}

impl Completion {
    /// Starts completing `prefix` (at byte `start`) against `names`;
    /// `None` when nothing matches.
    pub fn start(prefix: &str, start: usize, names: &[String]) -> Option<Completion> {
        let lower = prefix.to_lowercase();
        let candidates: Vec<String> = names
            .iter()
            .filter(|n| n.to_lowercase().starts_with(&lower))
            .cloned()
            .collect();
        (!candidates.is_empty()).then_some(Completion {
            start,
            candidates,
            index: 0,
            at_line_start: start == 0,
        })
    }

    /// The text to insert for the current candidate.
    pub fn text(&self) -> String {
        let name = self.candidates.get(self.index).map_or("", String::as_str);
        if self.at_line_start {
            format!("{name}: ")
        } else {
            name.to_owned()
        }
    }

    pub fn advance(&mut self) {
        self.index = (self.index + 1) % self.candidates.len().max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn editor(text: &str) -> LineEditor {
        let mut e = LineEditor::default();
        e.set(text);
        e
    }

    #[test]
    fn moves_and_deletes_by_grapheme() {
        let mut e = editor("a👍🏽e\u{301}");
        e.backspace();
        assert_eq!(e.text(), "a👍🏽");
        e.left();
        assert_eq!(e.cursor(), 1);
        e.delete();
        assert_eq!(e.text(), "a");
        e.home();
        e.insert("你");
        assert_eq!(e.text(), "你a");
        e.right();
        e.right();
        assert_eq!(e.cursor(), e.text().len());
    }

    #[test]
    fn word_motions_and_kills() {
        let mut e = editor("hello big  world");
        e.delete_word_back();
        assert_eq!(e.text(), "hello big  ");
        e.delete_word_back();
        assert_eq!(e.text(), "hello ");
        e.set("one two three");
        e.word_left();
        assert_eq!(e.cursor(), 8);
        e.word_left();
        assert_eq!(e.cursor(), 4);
        e.word_right();
        assert_eq!(e.cursor(), 7);
        e.delete_to_start();
        assert_eq!(e.text(), " three");
        assert_eq!(e.cursor(), 0);
    }

    #[test]
    fn history_recalls_and_restores_the_draft() {
        let mut h = History::default();
        h.push("one".into());
        h.push("two".into());
        assert_eq!(h.older("draft"), Some("two"));
        assert_eq!(h.older(""), Some("one"));
        assert_eq!(h.older(""), Some("one"));
        assert_eq!(h.newer(), Some("two"));
        assert_eq!(h.newer(), Some("draft"));
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn history_is_bounded() {
        let mut h = History::default();
        for i in 0..150 {
            h.push(i.to_string());
        }
        assert_eq!(h.len(), HISTORY_LINES);
        assert_eq!(h.older(""), Some("149"));
    }

    #[test]
    fn completion_cycles() {
        let names = [
            "bartholomew".to_owned(),
            "Barbara".to_owned(),
            "carol".to_owned(),
        ];
        let mut c = Completion::start("bar", 0, &names).expect("matches");
        assert_eq!(c.text(), "bartholomew: ");
        c.advance();
        assert_eq!(c.text(), "Barbara: ");
        c.advance();
        assert_eq!(c.text(), "bartholomew: ");
        assert!(Completion::start("x", 3, &names).is_none());
        let c = Completion::start("ca", 3, &names).expect("matches");
        assert_eq!(c.text(), "carol");
    }
}
