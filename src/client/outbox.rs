//! Lines that wait to be sent: typed while not in the room, or a long paste
//! going out one line at a time. Every line stays a line of its own, in
//! the order it was entered; nothing here is ever joined into another line.
//!
//! The loop hands the socket task one line each time it has room (see
//! [`crate::client::event::Event::SendSlot`]), so a long paste never blocks
//! the screen and Esc can still stop what has not gone yet.

use std::collections::VecDeque;

/// A paste of more lines than this asks before sending.
pub const PASTE_ASK_LINES: usize = 10;
/// Most lines that may wait at once; a paste beyond it is refused whole.
pub const MAX_WAITING: usize = 100_000;

/// The waiting lines and how far the current batch has got.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outbox {
    lines: VecDeque<String>,
    /// Lines taken out since the outbox was last empty.
    sent: usize,
    /// Lines put in since the outbox was last empty.
    total: usize,
}

impl Outbox {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether `count` more lines fit under [`MAX_WAITING`].
    pub fn has_room(&self, count: usize) -> bool {
        self.lines.len() + count <= MAX_WAITING
    }

    pub fn push(&mut self, line: String) {
        if self.lines.is_empty() {
            self.sent = 0;
            self.total = 0;
        }
        self.lines.push_back(line);
        self.total += 1;
    }

    /// The next line to send, oldest first.
    pub fn pop(&mut self) -> Option<String> {
        let line = self.lines.pop_front()?;
        self.sent += 1;
        Some(line)
    }

    /// Drops every waiting line; returns how many there were.
    pub fn cancel(&mut self) -> usize {
        let dropped = self.lines.len();
        self.lines.clear();
        dropped
    }

    /// `(sent, total)` of the batch under way, when it is big enough to
    /// show progress for.
    pub fn progress(&self) -> Option<(usize, usize)> {
        (!self.lines.is_empty() && self.total > PASTE_ASK_LINES).then_some((self.sent, self.total))
    }

    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_apart_and_in_order() {
        let mut outbox = Outbox::default();
        outbox.push("first line".into());
        outbox.push("/msg bob secret".into());
        assert_eq!(outbox.pop().as_deref(), Some("first line"));
        assert_eq!(outbox.pop().as_deref(), Some("/msg bob secret"));
        assert_eq!(outbox.pop(), None);
    }

    #[test]
    fn progress_shows_for_big_batches_only() {
        let mut outbox = Outbox::default();
        outbox.push("a".into());
        assert_eq!(outbox.progress(), None);
        for i in 0..20 {
            outbox.push(i.to_string());
        }
        outbox.pop();
        assert_eq!(outbox.progress(), Some((1, 21)));
        assert_eq!(outbox.cancel(), 20);
        assert_eq!(outbox.progress(), None);
    }
}
