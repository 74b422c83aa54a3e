//! The input line: a readline-like editor that moves and deletes by
//! grapheme, recall of sent lines ([`History`]), and tab completion of
//! names ([`Completion`]). Pure data, no I/O.

mod completion;
mod history;

use unicode_segmentation::UnicodeSegmentation;

pub use self::completion::Completion;
pub use self::history::History;

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

    /// Ctrl-W, Alt-Backspace: deletes the word before the cursor (and the
    /// spaces after it); returns what it deleted.
    pub fn delete_word_back(&mut self) -> String {
        let start = self.word_start();
        self.cut(start, self.cursor)
    }

    /// Ctrl-U: deletes from the start of the line to the cursor.
    pub fn delete_to_start(&mut self) -> String {
        self.cut(0, self.cursor)
    }

    /// Ctrl-K: deletes from the cursor to the end of the line.
    pub fn delete_to_end(&mut self) -> String {
        self.cut(self.cursor, self.text.len())
    }

    /// Alt-D: deletes to the end of the next word.
    pub fn delete_word_forward(&mut self) -> String {
        let start = self.cursor;
        self.word_right();
        self.cut(start, self.cursor)
    }

    /// Removes `start..end` (both on boundaries), leaving the cursor at
    /// `start`; returns the removed text.
    fn cut(&mut self, start: usize, end: usize) -> String {
        let removed: String = self.text.drain(start..end).collect();
        self.cursor = start;
        removed
    }

    /// Alt-B, Ctrl-Left: to the start of the previous word.
    pub fn word_left(&mut self) {
        self.cursor = self.word_start();
    }

    /// Alt-F, Ctrl-Right: to the end of the next word.
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
}
