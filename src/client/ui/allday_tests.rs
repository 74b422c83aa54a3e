//! Snapshots of the all-day features: a search hit, a day line, quiet
//! joins hidden and shown, the users pane hidden, no timestamps.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

use crate::client::app::App;
use crate::client::clock::Clock;
use crate::client::event::{Event, NetEvent};
use crate::client::update::update;

use super::draw;

/// 2026-12-01T09:30:00Z.
const MORNING: i64 = 1_796_117_400;

fn line(app: &mut App, text: &str) {
    update(app, Event::Net(NetEvent::Line(text.to_owned())));
}

fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    update(app, Event::Key(KeyEvent::new(code, modifiers)));
}

/// alice in a room with bob and 小明, at `MORNING` in UTC.
fn room(size: (u16, u16)) -> App {
    let mut app = App {
        size,
        clock: Clock::from_unix(MORNING, 0),
        ..App::default()
    };
    for wire in ["-- you are alice", "-- online (3): alice, bob, 小明"] {
        line(&mut app, wire);
    }
    app
}

fn render(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    terminal.draw(|frame| draw(app, frame)).expect("draw");
    terminal
}

#[test]
fn search_hit() {
    let mut app = room((70, 14));
    for wire in [
        "bob: the Café opens at ten",
        "小明: 咖啡馆 café 👍🏽",
        "bob: see https://example.org/menu",
        "bob: nothing here",
    ] {
        line(&mut app, wire);
    }
    press(&mut app, KeyCode::Char('f'), KeyModifiers::CONTROL);
    for c in "CAFÉ".chars() {
        press(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
    }
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let terminal = render(&app);
    insta::assert_snapshot!(terminal.backend());
    let buffer = terminal.backend().buffer();
    let row = (0..app.size.1)
        .find(|&y| (0..app.size.0).any(|x| buffer[(x, y)].symbol() == "⌕"))
        .expect("the hit is marked");
    assert!(
        buffer[(10, row)].modifier.contains(Modifier::REVERSED),
        "and reversed, not only coloured"
    );
    let link_row = (0..app.size.1)
        .find(|&y| {
            (0..app.size.0)
                .any(|x| buffer[(x, y)].symbol() == "h" && buffer[(x + 1, y)].symbol() == "t")
        })
        .expect("the link row");
    let underlined = |x: u16| {
        buffer[(x, link_row)]
            .modifier
            .contains(Modifier::UNDERLINED)
    };
    let start = (0..app.size.0)
        .find(|&x| {
            buffer[(x, link_row)].symbol() == "h" && buffer[(x + 1, link_row)].symbol() == "t"
        })
        .expect("the link");
    assert!(
        underlined(start) && underlined(start + 23) && !underlined(start + 24),
        "the URL is underlined"
    );
    assert!(!underlined(start - 2), "the text before it is not");
}

#[test]
fn day_line() {
    let mut app = room((70, 12));
    line(&mut app, "bob: good night");
    app.clock = Clock::from_unix(MORNING + 86_400, 0);
    line(&mut app, "bob: good morning, 早上好");
    insta::assert_snapshot!(render(&app).backend());
}

fn busy_room() -> App {
    let mut app = room((70, 14));
    let names: Vec<String> = (0..25).map(|i| format!("u{i:02}")).collect();
    line(
        &mut app,
        &format!("-- online (26): alice, {}", names.join(", ")),
    );
    line(&mut app, "u01: I talk");
    line(&mut app, "-- zed has arrived");
    line(&mut app, "-- u01 has left (quit)");
    line(&mut app, "-- u02 is now known as 二号");
    line(&mut app, "u05: hello");
    app
}

#[test]
fn quiet_joins_hidden() {
    insta::assert_snapshot!(render(&busy_room()).backend());
}

#[test]
fn quiet_joins_shown() {
    let mut app = busy_room();
    press(&mut app, KeyCode::Char('j'), KeyModifiers::ALT);
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn users_pane_hidden_and_no_timestamps() {
    let mut app = room((50, 10));
    app.prefs.timestamps = false;
    line(
        &mut app,
        &format!("bob: {} 你好世界 end", "word ".repeat(9)),
    );
    press(&mut app, KeyCode::F(2), KeyModifiers::NONE);
    insta::assert_snapshot!(render(&app).backend());
}
