//! Each scrollback line as one line of plain text, the same everywhere it
//! is not drawn in cells: plain mode, the local log, search.

use crate::protocol::sanitize;

use super::app::{Body, Entry};

/// The line as text, sanitized again (it may come from the network):
/// server lines as the server wrote them, notes after `~`.
pub fn plain(entry: &Entry) -> String {
    match &entry.body {
        Body::Server(line) => sanitize(&line.to_string()),
        Body::Note(text) => format!("~ {}", sanitize(text)),
        Body::Day => day_line(entry),
        Body::ReadMarker { .. } => READ_MARKER.to_owned(),
    }
}

/// The read marker's text.
pub const READ_MARKER: &str = "── new ──";

/// `── Tuesday 1 December 2026 ──`
pub fn day_line(entry: &Entry) -> String {
    format!("── {} ──", entry.clock.long_date())
}
