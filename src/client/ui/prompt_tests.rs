//! The screen while lines wait: a long paste's question and progress, the
//! lines typed while away, and plain mode's prompt and users pane.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::client::app::App;
use crate::client::event::{Event, NetEvent};
use crate::client::update::update;

use super::draw;

fn joined() -> App {
    let mut app = App {
        size: (60, 10),
        ..App::default()
    };
    update(&mut app, Event::Net(NetEvent::Connected));
    update(
        &mut app,
        Event::Net(NetEvent::Line("-- you are alice".into())),
    );
    update(
        &mut app,
        Event::Net(NetEvent::Line("-- online (1): alice".into())),
    );
    app
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    terminal.draw(|frame| draw(app, frame)).expect("draw");
    let buffer = terminal.backend().buffer();
    let width = usize::from(buffer.area.width);
    let rows: Vec<String> = buffer
        .content
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect())
        .collect();
    rows.join("\n")
}

fn paste(lines: usize) -> Event {
    Event::Paste((1..=lines).map(|i| format!("line {i}\n")).collect())
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn a_long_paste_asks_then_shows_its_progress() {
    let mut app = joined();
    update(&mut app, paste(20_000));
    insta::assert_snapshot!("paste_question", screen(&app));
    update(&mut app, key(KeyCode::Enter));
    for _ in 0..120 {
        update(&mut app, Event::SendSlot);
    }
    insta::assert_snapshot!("paste_progress", screen(&app));
}

#[test]
fn lines_typed_while_away_are_counted_and_shown() {
    let mut app = joined();
    update(&mut app, Event::Net(NetEvent::Closed("reset".into())));
    for text in ["first line", "/msg bob secret words"] {
        update(&mut app, Event::Paste(text.into()));
        update(&mut app, key(KeyCode::Enter));
    }
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn plain_mode_promises_no_users() {
    let mut app = joined();
    update(&mut app, Event::Net(NetEvent::Closed("reset".into())));
    update(&mut app, Event::Net(NetEvent::Connected));
    update(
        &mut app,
        Event::Net(NetEvent::Line("You are 127.0.0.1:5555".into())),
    );
    update(&mut app, Event::Net(NetEvent::JoinWaitOver));
    insta::assert_snapshot!(screen(&app));
}
