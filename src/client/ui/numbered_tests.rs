//! Snapshots of the numbered room in the client: history at the time it
//! was said, the read marker, members away (marked, not by colour alone)
//! and our own away in the status bar.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

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

fn render(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    terminal.draw(|frame| draw(app, frame)).expect("draw");
    terminal
}

#[test]
fn history_times_read_marker_and_away() {
    let mut app = App {
        size: (64, 14),
        clock: Clock::from_unix(MORNING, 0),
        ..App::default()
    };
    for wire in [
        "-- tags on",
        "@epoch=e1;seq=9;session=0a1b -- you are alice",
        "-- online (3): alice, bob, 小明",
        "-- history (2)",
        "@seq=4;time=2026-12-01T08:05:00.000Z bob: 早上好 👋",
        "@seq=6;time=2026-12-01T08:40:00.000Z 小明: coffee?",
        "-- end of history",
        "@seq=7;time=2026-12-01T08:41:00.000Z -- bob is away (lunch)",
    ] {
        line(&mut app, wire);
    }
    update(&mut app, Event::Focus(false));
    for wire in [
        "@seq=10;time=2026-12-01T09:30:00.000Z 小明: still there?",
        "@seq=11;time=2026-12-01T09:31:00.000Z -- alice is away",
    ] {
        line(&mut app, wire);
    }
    insta::assert_snapshot!(render(&app).backend());
}
