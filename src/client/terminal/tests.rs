//! Tests of `terminal`: frames painted over a terminal that draws wide graphemes its own way.

use std::iter::once;

use ratatui::backend::{TestBackend, WindowSize};
use ratatui::layout::Size;

use super::*;
use crate::client::app::{App, Body};
use crate::client::ui;
use crate::protocol::ServerLine;

/// A terminal that draws a grapheme of several code points wider than
/// unicode-width says (as tmux does with some emoji): a ghost lands two
/// cells on, where ratatui believes nothing was written.
struct Ghosting(TestBackend);

impl Backend for Ghosting {
    type Error = <TestBackend as Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let ghost = Cell::new("▒");
        for (x, y, cell) in content {
            self.0.draw(once((x, y, cell)))?;
            if is_composite(cell) && x + 2 < self.0.buffer().area.width {
                self.0.draw(once((x + 2, y, &ghost)))?;
            }
        }
        Ok(())
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.0.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, at: P) -> Result<(), Self::Error> {
        self.0.set_cursor_position(at)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.0.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.0.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.0.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.flush()
    }
}

fn show<B: Backend>(terminal: &mut Terminal<B>, shown: &mut Buffer, app: &App) {
    paint(terminal, shown, |frame| {
        ui::draw(app, frame);
        ui::cursor(app, frame.area())
    })
    .unwrap_or_else(|_| panic!("drawn"));
}

/// What the screen should hold: `app` drawn once on a fresh terminal.
fn fresh(app: &App) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    show(&mut terminal, &mut Buffer::default(), app);
    terminal.backend().buffer().clone()
}

#[test]
fn graphemes_of_several_code_points_leave_no_ghosts() {
    let mut app = App {
        size: (40, 12),
        ..App::default()
    };
    let mut terminal = Terminal::new(Ghosting(TestBackend::new(40, 12))).expect("terminal");
    let mut shown = Buffer::default();
    for draft in ["flag 🇯🇵", "thumbs 👍🏽 up", "family 👨‍👩‍👧"] {
        app.input.set(draft);
        show(&mut terminal, &mut shown, &app);
        app.input.take();
        show(&mut terminal, &mut shown, &app);
        assert_eq!(terminal.backend().0.buffer(), &fresh(&app), "after {draft}");
    }
    let line = ServerLine::parse("bob: 🇯🇵 and 👨‍👩‍👧 at once");
    app.push(Body::Server(line));
    show(&mut terminal, &mut shown, &app);
    for i in 0..10 {
        app.push(Body::Note(format!("line {i}")));
        show(&mut terminal, &mut shown, &app);
    }
    assert_eq!(terminal.backend().0.buffer(), &fresh(&app), "scrolled away");
}

#[test]
fn only_changed_rows_with_composite_graphemes_are_repainted() {
    let mut before = Buffer::empty(ratatui::layout::Rect::new(0, 0, 10, 3));
    let mut after = before.clone();
    before.set_string(0, 0, "a 🇯🇵", ratatui::style::Style::default());
    after.set_string(0, 0, "b 🇯🇵", ratatui::style::Style::default());
    after.set_string(0, 1, "plain", ratatui::style::Style::default());
    before.set_string(0, 2, "你好", ratatui::style::Style::default());
    assert_eq!(to_repaint(&before, &after), [0], "not 1 or 2: no composite");
}
