//! The scrollback: the bounded list of lines, plus how many rows each one
//! takes once wrapped, so that scrolling never wraps the whole history.
//!
//! Row counts hold for one wrap width and one own name (which decides how
//! a line is marked). They are counted lazily, by whoever asks for the
//! total: only the lines added since the last count, or all of them once
//! after a resize or a rename.

use std::collections::VecDeque;

use super::app::{Body, Entry};

/// Most lines kept; older ones are dropped.
pub const SCROLLBACK_LINES: usize = 10_000;

/// The lines, oldest first, and their row counts.
#[derive(Clone, Debug, Default)]
pub struct Scrollback {
    entries: VecDeque<Entry>,
    rows: Rows,
    /// The id of the oldest line kept: every line pushed gets the next id,
    /// so search hits, the log and plain mode can follow lines as old
    /// ones are dropped.
    first_id: u64,
}

/// Row counts of the oldest `counts.len()` entries.
#[derive(Clone, Debug, Default)]
struct Rows {
    /// The wrap width and own name the counts are for.
    width: usize,
    name: String,
    counts: VecDeque<usize>,
    /// The sum of `counts`.
    total: usize,
}

impl Scrollback {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> std::collections::vec_deque::Iter<'_, Entry> {
        self.entries.iter()
    }

    pub fn back(&self) -> Option<&Entry> {
        self.entries.back()
    }

    /// Appends a line, dropping the oldest past [`SCROLLBACK_LINES`].
    pub fn push(&mut self, entry: Entry) {
        self.entries.push_back(entry);
        if self.entries.len() > SCROLLBACK_LINES {
            self.entries.pop_front();
            self.first_id += 1;
            if let Some(rows) = self.rows.counts.pop_front() {
                self.rows.total -= rows;
            }
        }
    }

    pub fn clear(&mut self) {
        self.first_id = self.next_id();
        self.entries.clear();
        self.rows.counts.clear();
        self.rows.total = 0;
    }

    /// The id the next line pushed will get.
    pub fn next_id(&self) -> u64 {
        self.first_id + self.entries.len() as u64
    }

    /// The id of the line at `index`.
    pub fn id_of(&self, index: usize) -> u64 {
        self.first_id + index as u64
    }

    /// Where the line with `id` is, if it is still kept.
    pub fn index_of(&self, id: u64) -> Option<usize> {
        let index = usize::try_from(id.checked_sub(self.first_id)?).ok()?;
        (index < self.entries.len()).then_some(index)
    }

    /// The lines pushed since the line with id `id` was next, oldest first.
    pub fn since(&self, id: u64) -> impl Iterator<Item = &Entry> {
        let skip = usize::try_from(id.saturating_sub(self.first_id)).unwrap_or(usize::MAX);
        self.entries.iter().skip(skip)
    }

    /// Hides the read marker with `id`; its rows are counted again.
    pub fn retire_marker(&mut self, id: u64) {
        let Some(index) = self.index_of(id) else {
            return;
        };
        if let Some(entry) = self.entries.get_mut(index) {
            entry.body = Body::ReadMarker { live: false };
        }
        self.recount();
    }

    /// Forgets the row counts: what a line shows has changed (quiet
    /// joins shown or hidden).
    pub fn recount(&mut self) {
        self.rows = Rows::default();
    }

    /// Rows all lines take at `width` for `name`; `count` wraps one line
    /// and is called only for lines not counted for these yet.
    pub fn total_rows(
        &mut self,
        width: usize,
        name: &str,
        mut count: impl FnMut(&Entry) -> usize,
    ) -> usize {
        if !self.rows.is_for(width, name) {
            self.rows = Rows {
                width,
                name: name.to_owned(),
                ..Rows::default()
            };
        }
        for entry in self.entries.iter().skip(self.rows.counts.len()) {
            let rows = count(entry);
            self.rows.counts.push_back(rows);
            self.rows.total += rows;
        }
        self.rows.total
    }

    /// The counted rows of line `index` at `width` for `name`, if known.
    pub fn rows_of(&self, index: usize, width: usize, name: &str) -> Option<usize> {
        if !self.rows.is_for(width, name) {
            return None;
        }
        self.rows.counts.get(index).copied()
    }
}

impl Rows {
    fn is_for(&self, width: usize, name: &str) -> bool {
        self.width == width && self.name == name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::app::Body;
    use crate::client::clock::Clock;

    fn entry(text: &str) -> Entry {
        Entry {
            clock: Clock::default(),
            body: Body::Note(text.to_owned()),
            history: false,
            said: false,
            quiet: false,
        }
    }

    /// Counts one row per 10 bytes, and how often it was asked.
    fn total(back: &mut Scrollback, width: usize, name: &str, calls: &mut usize) -> usize {
        back.total_rows(width, name, |e| {
            *calls += 1;
            match &e.body {
                Body::Note(text) => text.len() / 10 + 1,
                Body::Server(_) | Body::Day | Body::ReadMarker { .. } => 1,
            }
        })
    }

    #[test]
    fn only_new_lines_are_counted() {
        let mut back = Scrollback::default();
        let mut calls = 0;
        back.push(entry("short"));
        back.push(entry(&"x".repeat(25)));
        assert_eq!(total(&mut back, 80, "alice", &mut calls), 4);
        assert_eq!(total(&mut back, 80, "alice", &mut calls), 4);
        assert_eq!(calls, 2, "counted once");
        back.push(entry("new"));
        assert_eq!(total(&mut back, 80, "alice", &mut calls), 5);
        assert_eq!(calls, 3, "only the new line");
        assert_eq!(back.rows_of(1, 80, "alice"), Some(3));
    }

    #[test]
    fn a_new_width_or_name_counts_again() {
        let mut back = Scrollback::default();
        let mut calls = 0;
        back.push(entry("one"));
        back.push(entry("two"));
        total(&mut back, 80, "alice", &mut calls);
        assert_eq!(back.rows_of(0, 40, "alice"), None, "stale for a new width");
        total(&mut back, 40, "alice", &mut calls);
        total(&mut back, 40, "Alicia", &mut calls);
        assert_eq!(calls, 6);
    }

    #[test]
    fn dropping_the_oldest_drops_its_count() {
        let mut back = Scrollback::default();
        let mut calls = 0;
        back.push(entry(&"x".repeat(95)));
        for _ in 1..SCROLLBACK_LINES {
            back.push(entry("one row"));
        }
        let before = total(&mut back, 80, "alice", &mut calls);
        assert_eq!(before, SCROLLBACK_LINES - 1 + 10);
        back.push(entry("one row"));
        assert_eq!(back.len(), SCROLLBACK_LINES);
        assert_eq!(total(&mut back, 80, "alice", &mut calls), SCROLLBACK_LINES);
        back.clear();
        assert_eq!(total(&mut back, 80, "alice", &mut calls), 0);
    }

    #[test]
    fn ids_follow_lines_past_drops_and_clears() {
        let mut back = Scrollback::default();
        back.push(entry("a"));
        back.push(entry("b"));
        assert_eq!((back.id_of(1), back.next_id()), (1, 2));
        assert_eq!(back.since(1).count(), 1);
        back.clear();
        back.push(entry("c"));
        assert_eq!(back.index_of(2), Some(0));
        assert_eq!(back.index_of(1), None);
        assert_eq!(back.since(0).count(), 1, "only what is kept");
        for _ in 0..SCROLLBACK_LINES {
            back.push(entry("x"));
        }
        assert_eq!(back.index_of(2), None, "dropped");
        assert_eq!(back.id_of(0), 3);
    }
}
