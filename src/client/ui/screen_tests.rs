//! Whole-screen tests: `draw` into a `TestBackend`, compared as insta
//! snapshots, plus checks on styles that text snapshots cannot show.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

use crate::client::app::{App, Link};
use crate::client::clock::Clock;
use crate::client::event::{Event, NetEvent};
use crate::client::update::update;

use super::draw;

fn line(app: &mut App, text: &str) {
    update(app, Event::Net(NetEvent::Line(text.to_owned())));
}

fn at(app: &mut App, hour: u8, minute: u8) {
    app.clock = Clock {
        hour,
        minute,
        ..Clock::default()
    };
}

/// alice in a room with bob and 小明, a short history and some talk.
fn chat(size: (u16, u16)) -> App {
    let mut app = App {
        size,
        ..App::default()
    };
    at(&mut app, 9, 29);
    update(&mut app, Event::Net(NetEvent::Connected));
    for wire in [
        "-- welcome to chatty! what's your name?",
        "-- you are alice",
        "-- online (3): alice, bob, 小明",
        "-- history (1)",
        "bob: anyone here?",
        "-- end of history",
    ] {
        line(&mut app, wire);
    }
    at(&mut app, 9, 30);
    for wire in [
        "alice: Hi!",
        "bob: Hi yourself, alice.",
        "* bob waves",
        "alice -> bob: psst",
        "bob -> alice: what?",
        "-- 小明 has arrived",
        "小明: 你好！大家好",
        "! unknown command \"/dance\", try /help",
    ] {
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
fn normal_chat() {
    let mut app = chat((80, 20));
    app.input.set("see you at 10 ");
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn cjk_and_emoji_wrap_at_the_edge() {
    let mut app = chat((60, 16));
    // Inner width 46; the prefix and "bob: " take 13 cells, the x's 33 more,
    // so 你 would straddle the right border and must move down a row.
    line(&mut app, &format!("bob: {}你好世界", "x".repeat(33)));
    line(
        &mut app,
        "小明: 我们今天下午三点在会议室见面讨论一下新项目的计划吧好不好",
    );
    line(
        &mut app,
        "bob: thumbs 👍🏽👍🏽👍🏽 family 👨‍👩‍👧 flags 🇯🇵🇫🇷 done and dusted, more text here",
    );
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn tiny_terminal() {
    let mut app = chat((40, 12));
    app.input
        .set("a long draft that is wider than the tiny input line");
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn tiny_terminal_still_shows_state_and_name() {
    let mut app = chat((40, 12));
    line(&mut app, "-- bye (idle)");
    update(&mut app, Event::Net(NetEvent::Closed("closed".into())));
    assert!(matches!(app.link, Link::Offline { .. }));
    let screen = render(&app);
    insta::assert_snapshot!(screen.backend());
    update(&mut app, Event::Net(NetEvent::RetryIn(12)));
    let screen = render(&app).backend().to_string();
    let status = screen.lines().last().unwrap_or_default();
    assert!(status.contains("reconnecting in 12s │ alice"), "{status}");
}

#[test]
fn scrolled_up_shows_the_new_marker() {
    let mut app = chat((60, 14));
    for i in 0..30 {
        line(&mut app, &format!("bob: line {i}"));
    }
    update(&mut app, Event::Scroll(2));
    line(&mut app, "bob: this arrived below");
    line(&mut app, "bob: and so did this");
    line(&mut app, "bob: and this");
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn reconnecting_status() {
    let mut app = chat((80, 14));
    line(&mut app, "-- bye (server shutting down)");
    update(
        &mut app,
        Event::Net(NetEvent::Closed("closed by the server".into())),
    );
    update(&mut app, Event::Net(NetEvent::RetryIn(4)));
    assert_eq!(app.link, Link::Reconnecting { in_secs: 4 });
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn name_refused() {
    let mut app = App {
        size: (60, 12),
        ..App::default()
    };
    update(&mut app, Event::Net(NetEvent::Connected));
    line(&mut app, "-- welcome to chatty! what's your name?");
    line(&mut app, "! name \"alice\" is taken, choose another");
    app.input.set("alice2");
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn survives_any_size() {
    let mut app = chat((80, 24));
    app.input.set("你好👍🏽 draft");
    for (w, h) in [
        (0, 0),
        (1, 1),
        (5, 3),
        (20, 5),
        (40, 12),
        (41, 13),
        (79, 23),
        (300, 100),
    ] {
        update(&mut app, Event::Resize(w, h));
        render(&app);
    }
}

#[test]
fn narrow_resize_rewraps() {
    let mut app = chat((100, 20));
    render(&app);
    update(&mut app, Event::Resize(40, 12));
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn escape_sequences_never_reach_the_screen() {
    let mut app = chat((80, 20));
    line(&mut app, "bob: \u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m");
    let terminal = render(&app);
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|cell| !cell.symbol().chars().any(char::is_control))
    );
}

/// Cells of the row that holds `needle`.
fn row_with<'a>(
    buffer: &'a ratatui::buffer::Buffer,
    needle: &str,
) -> Vec<&'a ratatui::buffer::Cell> {
    let width = usize::from(buffer.area.width);
    buffer
        .content()
        .chunks(width)
        .find(|row| {
            row.iter()
                .map(|c| c.symbol())
                .collect::<String>()
                .contains(needle)
        })
        .expect("row present")
        .iter()
        .collect()
}

#[test]
fn own_and_mention_lines_are_marked_beyond_colour() {
    let mut app = chat((80, 20));
    app.no_color = true;
    let terminal = render(&app);
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    let own = row_with(buffer, "alice: Hi!");
    assert_eq!(own[1].symbol(), "›");
    assert!(own.iter().any(|c| c.modifier.contains(Modifier::BOLD)));
    let mention = row_with(buffer, "Hi yourself");
    assert_eq!(mention[1].symbol(), "»");
    let history = row_with(buffer, "anyone here?");
    assert!(history.iter().any(|c| c.modifier.contains(Modifier::DIM)));
}
