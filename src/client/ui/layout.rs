//! Where each pane goes, as a pure function of the screen size, shared by
//! `draw` and by `update` (which needs the message view's size to scroll).

use ratatui::layout::Rect;

/// The rectangles of the four panes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panes {
    pub messages: Rect,
    pub users: Rect,
    pub input: Rect,
    pub status: Rect,
}

/// Splits `area`: messages left, users right, then the input line and the
/// status bar at the bottom.
pub fn panes(area: Rect) -> Panes {
    let top_height = area.height.saturating_sub(2);
    let users_width = users_width(area.width);
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

/// Width and height of the text inside the messages pane for a screen of
/// `size` (width, height).
pub fn message_view(size: (u16, u16)) -> (usize, usize) {
    let messages = panes(Rect::new(0, 0, size.0, size.1)).messages;
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
            let p = panes(Rect::new(0, 0, w, h));
            assert_eq!(p.messages.width + p.users.width, w);
            assert!(p.status.bottom() <= h.max(1));
        }
        assert_eq!(message_view((40, 12)), (26, 8));
    }
}
