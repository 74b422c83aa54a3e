//! Whatever a server sends, the screen shows only what the protocol's
//! sanitizer lets through: no bidi controls, no invisible characters, no
//! zero width joiner between letters, one space for a run of blanks.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::client::app::{App, Body};
use crate::client::event::{Event, NetEvent};
use crate::client::update::update;

use super::draw;

/// Bidi controls and invisibles protocol 1.1 removes (docs/protocol.md).
const HIDDEN: &[char] = &[
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{2060}', '\u{FEFF}', '\u{00AD}',
];

fn net(app: &mut App, event: NetEvent) {
    update(app, Event::Net(event));
}

fn hostile_room() -> App {
    let mut app = App {
        size: (64, 14),
        ..App::default()
    };
    net(&mut app, NetEvent::Connected);
    for wire in [
        "-- you are alice",
        "-- online (2): alice, bob",
        "bob: invoice \u{202E}gpj.exe",
        "bob: zero\u{200B}width \u{2066}iso\u{2069} \u{FEFF}bom soft\u{AD}ly word\u{2060}joiner",
        "bob: a\u{200D}b and 👨\u{200D}👩\u{200D}👧",
        "bob: wide          gap\u{3000}\u{3000}\u{2800}here",
        "* bob \u{202D}waves\u{202C}",
        "! bad \u{200F}thing\u{200E}",
        "-- bob has left (quit: \u{2067}gone\u{2069})",
    ] {
        net(&mut app, NetEvent::Line(wire.to_owned()));
    }
    app
}

fn render(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    terminal.draw(|frame| draw(app, frame)).expect("draw");
    terminal
}

fn symbols(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    buffer
        .content
        .iter()
        .map(|c| c.symbol().to_owned())
        .collect()
}

fn rows(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    let width = usize::from(buffer.area.width);
    buffer
        .content
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect())
        .collect()
}

#[test]
fn bidi_controls_and_invisibles_never_reach_the_screen() {
    let terminal = render(&hostile_room());
    for symbol in symbols(&terminal) {
        assert!(
            !symbol.contains(HIDDEN),
            "{:?} drawn",
            symbol.escape_unicode().to_string()
        );
    }
    insta::assert_snapshot!(rows(&terminal).join("\n"));
}

#[test]
fn a_joiner_between_letters_is_not_drawn_but_emoji_keep_theirs() {
    let terminal = render(&hostile_room());
    let joined: Vec<String> = symbols(&terminal)
        .into_iter()
        .filter(|s| s.contains('\u{200D}'))
        .collect();
    assert_eq!(joined, ["👨\u{200D}👩\u{200D}👧"]);
}

#[test]
fn runs_of_blanks_are_drawn_as_one_space() {
    let screen = rows(&render(&hostile_room())).join("\n");
    assert!(screen.contains("bob: wide gap here"), "{screen}");
}

#[test]
fn plain_mode_lines_are_sanitized_too() {
    let mut app = App {
        size: (64, 14),
        ..App::default()
    };
    net(&mut app, NetEvent::Connected);
    net(&mut app, NetEvent::JoinWaitOver);
    net(
        &mut app,
        NetEvent::Line("127.0.0.1:5555: \u{202E}olleh\u{200B}   there".to_owned()),
    );
    let terminal = render(&app);
    assert!(!symbols(&terminal).iter().any(|s| s.contains(HIDDEN)));
    let screen = rows(&terminal).join("\n");
    assert!(
        screen.contains("-- 127.0.0.1:5555: olleh there"),
        "{screen}"
    );
}

#[test]
fn the_model_keeps_none_of_it_either() {
    let app = hostile_room();
    for entry in app.entries.iter() {
        let text = match &entry.body {
            Body::Server(line) => line.to_string(),
            Body::Note(note) => note.clone(),
            Body::Day | Body::ReadMarker { .. } => crate::client::text::plain(entry),
        };
        let shown: String = text.chars().filter(|c| HIDDEN.contains(c)).collect();
        assert!(shown.is_empty(), "{text}");
    }
}
