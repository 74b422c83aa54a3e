//! Enter and paste: every Enter is one line, and every pasted line stays a
//! line of its own. A line that cannot go now waits in the outbox, shown
//! as waiting, and goes out in order once the client is in the room.

use crate::client::app::{App, Link};
use crate::client::event::Effect;
use crate::client::outbox::PASTE_ASK_LINES;
use crate::protocol::{Command, sanitize, strip_controls};

use super::connect;
use super::scroll::{go_live, note};

/// The client's own keys and commands, added after the server's `/help`.
pub const CLIENT_HELP: &[&str] = &[
    "client: /clear empties this window (nothing is sent)",
    "client: /search TEXT finds the newest line with TEXT; /joins shows or hides quiet joins",
    "client keys: Enter sends, Up/Down recall, Tab completes a name or a /command, PageUp/PageDown scroll",
    "client keys: Ctrl-F searches (Ctrl-F or Enter: older, Esc: back to live), Ctrl-O opens the newest link",
    "client keys: F2 or Alt-U shows or hides the users pane, Alt-J shows or hides quiet joins",
    "client keys: Ctrl-A/E start/end, Ctrl-B and Left/Right move, Alt-B/F and Ctrl-Left/Right by word",
    "client keys: Ctrl-W and Alt-Backspace delete a word back, Alt-D a word on, Ctrl-U to the start, Ctrl-K to the end, Ctrl-Y yanks it back",
    "client keys: Esc stops waiting lines, Ctrl-L redraws, Ctrl-Z suspends, Ctrl-C or Ctrl-D on an empty line quit (as /quit does)",
    "client: after a dropped link the seat is taken back (/resume): the lines missed follow, none twice; ── new ── marks where you stopped reading",
];

/// Enter: reconnect when offline (the line, if any, waits for the room),
/// else send the input line or let it wait.
pub(super) fn submit(app: &mut App) -> Vec<Effect> {
    if let Link::Offline { .. } = app.link {
        if matches!(Command::parse(app.input.text().trim()), Command::Quit(_)) {
            return vec![Effect::Exit];
        }
        let line = app.input.take();
        enter_line(app, &line);
        app.attempt = 0;
        app.link = Link::Connecting;
        return vec![connect(app)];
    }
    let line = app.input.take();
    enter_line(app, &line)
}

/// Whether lines can go to the server now.
fn can_send(app: &App) -> bool {
    matches!(app.link, Link::Joined | Link::Plain)
}

/// One entered line: a name while choosing one, a local command, or a
/// line to send now or to keep waiting.
fn enter_line(app: &mut App, raw: &str) -> Vec<Effect> {
    let line = sanitize(raw);
    if line.is_empty() {
        return Vec::new();
    }
    if app.link == Link::ChoosingName {
        app.name = line.clone();
        app.link = Link::Joining;
        return vec![Effect::Send(line)];
    }
    // A password must not come back with Up.
    if !matches!(Command::parse(&line), Command::Oper { .. }) {
        app.history.push(line.clone());
    }
    if is_clear(&line) {
        app.entries.clear();
        go_live(app);
        return Vec::new();
    }
    if let Some(effects) = super::allday::command(app, &line) {
        return effects;
    }
    let quit = matches!(Command::parse(&line), Command::Quit(_));
    if quit && !can_send(app) {
        return vec![Effect::Exit];
    }
    if can_send(app) && app.outbox.is_empty() {
        return dispatch(app, line);
    }
    wait(app, line);
    Vec::new()
}

/// Keeps `line` in the outbox (or, when that is full, in the input line).
fn wait(app: &mut App, line: String) {
    if !app.outbox.has_room(1) {
        note(
            app,
            "too many lines waiting: this one stays in the input line",
        );
        app.input.set(&line);
        return;
    }
    if !can_send(app) {
        note(app, format!("not in the room yet; waiting to send: {line}"));
    }
    app.outbox.push(line);
}

/// Ctrl-C, Ctrl-D: in the room, quit as `/quit` does, so the room sees
/// us leave at once instead of holding the seat; elsewhere, leave now.
pub(super) fn quit(app: &mut App) -> Vec<Effect> {
    match app.link {
        Link::Joined => {
            app.link = Link::Quitting;
            vec![Effect::Send("/quit".to_owned()), Effect::QuitSoon]
        }
        Link::Connecting
        | Link::Joining
        | Link::ChoosingName
        | Link::Quitting
        | Link::Reconnecting { .. }
        | Link::Offline { .. }
        | Link::Plain => vec![Effect::Exit],
    }
}

/// Sends one line now.
fn dispatch(app: &mut App, line: String) -> Vec<Effect> {
    let command = Command::parse(&line);
    go_live(app);
    app.last_sent = Some(line.clone());
    let mut effects = vec![Effect::Send(line)];
    match command {
        Command::Quit(_) if app.link == Link::Plain => effects.push(Effect::Exit),
        Command::Quit(_) => {
            app.link = Link::Quitting;
            effects.push(Effect::QuitSoon);
        }
        Command::Help if app.link == Link::Joined => {
            for text in CLIENT_HELP {
                note(app, *text);
            }
        }
        _ => {}
    }
    effects
}

/// The socket task can take a line: the oldest waiting one goes.
pub(super) fn next_waiting(app: &mut App) -> Vec<Effect> {
    if !can_send(app) {
        return Vec::new();
    }
    match app.outbox.pop() {
        Some(line) => dispatch(app, line),
        None => Vec::new(),
    }
}

/// Esc: the waiting lines are not sent.
pub(super) fn cancel_waiting(app: &mut App) {
    let dropped = app.outbox.cancel();
    if dropped > 0 {
        note(app, format!("stopped: {dropped} waiting lines not sent"));
    }
}

fn is_clear(line: &str) -> bool {
    line.split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("/clear"))
}

// ---- paste -----------------------------------------------------------------

/// A pasted block: one line goes into the input as it is (controls
/// removed, spaces kept); a few are entered one by one, the first joined
/// to what was typed before; more than [`PASTE_ASK_LINES`] ask first.
pub(super) fn on_paste(app: &mut App, text: &str) -> Vec<Effect> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<String> = text
        .trim_end_matches('\n')
        .split('\n')
        .map(strip_controls)
        .collect();
    if let [line] = lines.as_slice() {
        app.input.insert(line);
        return Vec::new();
    }
    if lines.len() > PASTE_ASK_LINES {
        ask_paste(app, lines);
        return Vec::new();
    }
    let mut lines = lines.into_iter();
    let first = format!("{}{}", app.input.take(), lines.next().unwrap_or_default());
    let mut effects = enter_line(app, &first);
    for line in lines {
        effects.extend(enter_line(app, &line));
    }
    effects
}

fn ask_paste(app: &mut App, lines: Vec<String>) {
    if !app.outbox.has_room(lines.len()) {
        note(
            app,
            format!("a paste of {} lines is too long to send", lines.len()),
        );
        return;
    }
    app.paste = Some(lines);
}

/// Enter on the paste question: every pasted line waits its turn.
pub(super) fn confirm_paste(app: &mut App) -> Vec<Effect> {
    let Some(mut lines) = app.paste.take() else {
        return Vec::new();
    };
    if let Some(first) = lines.first_mut() {
        *first = format!("{}{first}", app.input.take());
    }
    for line in lines.iter().map(|l| sanitize(l)).filter(|l| !l.is_empty()) {
        app.outbox.push(line);
    }
    if !can_send(app) {
        note(app, "not in the room yet; the paste waits");
    }
    Vec::new()
}

/// Esc on the paste question: nothing is sent.
pub(super) fn drop_paste(app: &mut App) {
    if let Some(lines) = app.paste.take() {
        note(app, format!("paste of {} lines not sent", lines.len()));
    }
}
