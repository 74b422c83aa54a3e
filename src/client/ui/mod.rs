//! The view: a pure `draw(&App, &mut Frame)`, one widget per pane.
//!
//! Nothing here changes state or touches the terminal beyond the frame.

pub mod hyperlinks;
pub mod input;
pub mod layout;
pub mod messages;
pub mod status;
pub mod theme;
pub mod users;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::app::App;

/// Draws the whole screen for `app`.
pub fn draw(app: &App, frame: &mut Frame) {
    let panes = layout::panes(frame.area(), &app.prefs);
    messages::draw(app, frame, panes.messages);
    users::draw(app, frame, panes.users);
    input::draw(app, frame, panes.input);
    status::draw(app, frame, panes.status);
}

/// Where `draw` puts the terminal cursor on a screen of `area`.
pub fn cursor(app: &App, area: Rect) -> Option<Position> {
    input::cursor(app, layout::panes(area, &app.prefs).input)
}

#[cfg(test)]
mod allday_tests;

#[cfg(test)]
mod numbered_tests;

#[cfg(test)]
mod screen_tests;

#[cfg(test)]
mod hostile_tests;

#[cfg(test)]
mod prompt_tests;
