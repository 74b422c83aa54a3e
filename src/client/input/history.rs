//! Up/Down recall of the lines sent.

use std::collections::VecDeque;

/// Sent lines kept for Up/Down recall.
pub const HISTORY_LINES: usize = 100;

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

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lines.len()
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
