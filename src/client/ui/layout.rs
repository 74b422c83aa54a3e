//! Where each pane goes, as a pure function of the screen size, shared by
//! `draw` and by `update` (which needs the message view's size to scroll).

use ratatui::layout::Rect;

use crate::client::app::App;
use crate::client::prefs::Prefs;

/// The rectangles of the four panes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panes {
    pub messages: Rect,
    pub users: Rect,
    pub input: Rect,
    pub status: Rect,
}

/// Splits `area`: messages left, users right (unless hidden), then the
/// input line and the status bar at the bottom.
pub fn panes(area: Rect, prefs: &Prefs) -> Panes {
    let top_height = area.height.saturating_sub(2);
    let users_width = match (prefs.show_users, prefs.users_width) {
        (false, _) => 0,
        (true, None) => users_width(area.width),
        (true, Some(wanted)) => chosen_width(area.width, wanted),
    };
    let row = |y: u16| Rect::new(area.x, y, area.width, 1.min(area.height));
    Panes {
        messages: Rect::new(area.x, area.y, area.width - users_width, top_height),
        users: Rect::new(
            area.x + area.width - users_width,
            area.y,
            users_width,
            top_height,
        ),
        input: row(area.y + top_height),
        status: row((area.y + top_height + 1).min(area.bottom().saturating_sub(1))),
    }
}

/// A fifth of the width, between 12 and 24 columns; none on tiny screens.
fn users_width(width: u16) -> u16 {
    if width < 30 {
        0
    } else {
        (width / 5).clamp(12, 24)
    }
}

/// A width from the config file, leaving the messages at least half the
/// screen; none on tiny screens.
fn chosen_width(width: u16, wanted: u16) -> u16 {
    if width < 30 {
        0
    } else {
        wanted.clamp(6, width / 2)
    }
}

/// Width and height of the text inside the messages pane of `app`'s screen.
pub fn message_view(app: &App) -> (usize, usize) {
    let messages = panes(Rect::new(0, 0, app.size.0, app.size.1), &app.prefs).messages;
    (
        usize::from(messages.width.saturating_sub(2)),
        usize::from(messages.height.saturating_sub(2)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_tile_the_screen() {
        for (w, h) in [(40, 12), (80, 24), (300, 100), (10, 3), (1, 1), (0, 0)] {
            for prefs in [
                Prefs::default(),
                Prefs {
                    show_users: false,
                    ..Prefs::default()
                },
                Prefs {
                    users_width: Some(500),
                    ..Prefs::default()
                },
            ] {
                let p = panes(Rect::new(0, 0, w, h), &prefs);
                assert_eq!(p.messages.width + p.users.width, w);
                assert!(p.status.bottom() <= h.max(1));
            }
        }
        let mut app = App {
            size: (40, 12),
            ..App::default()
        };
        assert_eq!(message_view(&app), (26, 8));
        app.prefs.show_users = false;
        assert_eq!(message_view(&app), (38, 8));
    }
}
