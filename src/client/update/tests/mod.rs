//! Unit tests of `update`: every key and every server line the client
//! acts on, one file per concern; the helpers live here.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

use super::*;
use crate::client::app::{Body, Link, SCROLLBACK_LINES};
use crate::client::event::{NetEvent, Signal};
use crate::client::net::Login;
use crate::protocol::ServerLine;

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn alt(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

fn line(text: &str) -> Event {
    Event::Net(NetEvent::Line(text.to_owned()))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        update(app, key(KeyCode::Char(c)));
    }
}

/// An app in the room as alice, with bob and bartholomew.
fn joined() -> App {
    let mut app = App::default();
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, line("-- you are alice"));
    update(&mut app, line("-- online (3): alice, bartholomew, bob"));
    app
}

fn sent(effects: &[Effect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(line) => Some(line.as_str()),
            _ => None,
        })
        .collect()
}

/// What the loop does while lines wait: hands them out one slot at a time.
fn drain(app: &mut App) -> Vec<Effect> {
    let mut effects = Vec::new();
    while app.wants_send_slot() {
        effects.extend(update(app, Event::SendSlot));
    }
    effects
}

/// The waiting lines, oldest first.
fn waiting(app: &App) -> Vec<&str> {
    app.outbox.iter().collect()
}

fn last_text(app: &App) -> String {
    let entry = app.entries.back().expect("an entry");
    match &entry.body {
        Body::Server(line) => line.to_string(),
        Body::Note(text) => format!("~ {text}"),
        Body::Day | Body::ReadMarker { .. } => crate::client::text::plain(entry),
    }
}

fn names(app: &App) -> Vec<String> {
    app.users.iter().map(ToString::to_string).collect()
}

mod allday;
mod connection;
mod editing;
mod login;
mod resume;
mod room;
mod scrolling;
mod sending;
