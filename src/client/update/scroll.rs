//! The message view's scroll position, and appending lines without moving
//! a view that is scrolled up.

use crate::client::app::{App, Body};
use crate::client::clock::Clock;
use crate::client::ui::layout::message_view;
use crate::client::ui::messages::Look;

/// Rows one mouse wheel notch scrolls.
pub const WHEEL_ROWS: usize = 3;

pub(super) fn page(app: &App) -> usize {
    message_view(app).1.saturating_sub(1).max(1)
}

pub(super) fn max_scroll(app: &mut App) -> usize {
    let height = message_view(app).1;
    total_rows(app).saturating_sub(height)
}

/// Rows the whole scrollback takes in the message view; wraps only the
/// lines not counted yet for this width and own name.
pub(super) fn total_rows(app: &mut App) -> usize {
    let width = message_view(app).0;
    let look = Look::new(app);
    app.entries
        .total_rows(width, &app.name, |entry| look.row_count(entry, width))
}

/// Scrolling away from the live end leaves the read marker there.
pub(super) fn scroll_up(app: &mut App, rows: usize) {
    if app.scroll == 0 {
        app.mark_read();
    }
    app.scroll = (app.scroll + rows).min(max_scroll(app));
}

pub(super) fn scroll_down(app: &mut App, rows: usize) {
    app.scroll = app.scroll.saturating_sub(rows);
    if app.scroll == 0 {
        app.unseen = 0;
    }
}

pub(super) fn on_wheel(app: &mut App, notches: i32) {
    let rows = usize::try_from(notches.unsigned_abs()).unwrap_or(1) * WHEEL_ROWS;
    if notches > 0 {
        scroll_up(app, rows)
    } else {
        scroll_down(app, rows)
    }
}

pub(super) fn go_live(app: &mut App) {
    app.scroll = 0;
    app.unseen = 0;
}

pub(super) fn clamp(app: &mut App) {
    if app.scroll > 0 {
        app.scroll = app.scroll.min(max_scroll(app)).max(1);
    }
}

/// Appends a line; while scrolled up the view stays put and the line counts
/// as unseen.
pub(super) fn add(app: &mut App, body: Body) {
    add_at(app, body, None);
}

/// [`add`] for a line said at `said` (its `time` tag), if known.
pub(super) fn add_at(app: &mut App, body: Body, said: Option<Clock>) {
    let first = app.entries.next_id();
    app.push_at(body, said);
    if app.scroll > 0 {
        // The line, and a day line or read marker pushed before it.
        total_rows(app);
        let width = message_view(app).0;
        for id in first..app.entries.next_id() {
            let rows = app
                .entries
                .index_of(id)
                .and_then(|index| app.entries.rows_of(index, width, &app.name));
            app.scroll += rows.unwrap_or(1);
        }
        app.unseen += 1;
    }
}

pub(super) fn note(app: &mut App, text: impl Into<String>) {
    add(app, Body::Note(text.into()));
}
