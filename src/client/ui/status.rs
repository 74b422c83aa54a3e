//! The status bar: server address, connection state, own name.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::client::app::{App, Link};
use crate::protocol::sanitize;

use super::theme::Theme;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = Theme {
        no_color: app.no_color,
    };
    let text = format!(
        " {} │ {} │ {} ",
        app.addr,
        sanitize(&state(&app.link)),
        sanitize(&app.name)
    );
    frame.render_widget(Paragraph::new(Line::from(text)).style(theme.status()), area);
}

/// The connection state in words.
pub fn state(link: &Link) -> String {
    match link {
        Link::Connecting => "connecting…".to_owned(),
        Link::Joining => "joining…".to_owned(),
        Link::ChoosingName => "name refused: type another".to_owned(),
        Link::Joined => "connected".to_owned(),
        Link::Quitting => "quitting…".to_owned(),
        Link::Reconnecting { in_secs } => format!("reconnecting in {in_secs}s"),
        Link::Offline { reason } => format!("offline ({reason}): Enter reconnects"),
    }
}
