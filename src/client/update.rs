//! The pure heart of the client: `update(&mut App, Event) -> Vec<Effect>`.
//!
//! It never awaits and never touches the socket or the terminal; the loop
//! in `mod.rs` performs the effects it returns. Every rule of the client
//! (keys, server lines, reconnecting) lives here and is unit-tested.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::protocol::{ByeReason, Command, ServerLine, sanitize, strip_controls};

use super::app::{App, Body, Link};
use super::classify::{Me, classify, same_name};
use super::event::{Effect, Event, NetEvent};
use super::input::Completion;
use super::ui::layout::message_view;
use super::ui::messages::Look;

/// Rows one mouse wheel notch scrolls.
pub const WHEEL_ROWS: usize = 3;

/// The effects to start with: connect at once.
pub fn start(app: &App) -> Vec<Effect> {
    vec![connect(app)]
}

/// Applies one event to the model and says what the loop must do.
pub fn update(app: &mut App, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) => on_key(app, key),
        Event::Paste(text) => on_paste(app, &text),
        Event::Resize(width, height) => {
            app.size = (width, height);
            clamp_scroll(app);
            Vec::new()
        }
        Event::Scroll(notches) => {
            on_wheel(app, notches);
            Vec::new()
        }
        Event::Net(net) => on_net(app, net),
    }
}

fn connect(app: &App) -> Effect {
    Effect::Connect {
        name: app.name.clone(),
        attempt: app.attempt,
    }
}

// ---- keys ----------------------------------------------------------------

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.kind != KeyEventKind::Press {
        return Vec::new();
    }
    if key.code != KeyCode::Tab {
        app.completion = None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    match key.code {
        KeyCode::Char(c) if ctrl => on_ctrl(app, c),
        KeyCode::Char(c) if alt => {
            on_alt(app, c);
            Vec::new()
        }
        KeyCode::Enter => submit(app),
        code => {
            on_plain(app, code);
            Vec::new()
        }
    }
}

fn on_ctrl(app: &mut App, c: char) -> Vec<Effect> {
    match c.to_ascii_lowercase() {
        'c' => return vec![Effect::Exit],
        'd' if app.input.is_empty() => return vec![Effect::Exit],
        'd' => app.input.delete(),
        'a' => app.input.home(),
        'e' => app.input.end(),
        'w' => app.input.delete_word_back(),
        'u' => app.input.delete_to_start(),
        'l' => return vec![Effect::Redraw],
        _ => {}
    }
    Vec::new()
}

fn on_alt(app: &mut App, c: char) {
    match c {
        'b' => app.input.word_left(),
        'f' => app.input.word_right(),
        _ => {}
    }
}

fn on_plain(app: &mut App, code: KeyCode) {
    match code {
        KeyCode::Char(c) => app.input.insert(c.encode_utf8(&mut [0; 4])),
        KeyCode::Backspace => app.input.backspace(),
        KeyCode::Delete => app.input.delete(),
        KeyCode::Left => app.input.left(),
        KeyCode::Right => app.input.right(),
        KeyCode::Home => app.input.home(),
        KeyCode::End => {
            app.input.end();
            go_live(app);
        }
        KeyCode::Up => recall_older(app),
        KeyCode::Down => recall_newer(app),
        KeyCode::PageUp => scroll_up(app, page(app)),
        KeyCode::PageDown => scroll_down(app, page(app)),
        KeyCode::Tab => complete(app),
        _ => {}
    }
}

fn recall_older(app: &mut App) {
    if let Some(line) = app.history.older(app.input.text()).map(str::to_owned) {
        app.input.set(&line);
    }
}

fn recall_newer(app: &mut App) {
    if let Some(line) = app.history.newer().map(str::to_owned) {
        app.input.set(&line);
    }
}

/// Tab: complete the word before the cursor from the users list, or cycle
/// to the next candidate.
fn complete(app: &mut App) {
    if let Some(completion) = app.completion.as_mut() {
        completion.advance();
        let (start, text) = (completion.start, completion.text());
        app.input.replace_before_cursor(start, &text);
        return;
    }
    let cursor = app.input.cursor();
    let before = &app.input.text()[..cursor];
    let start = if before.ends_with(char::is_whitespace) {
        cursor
    } else {
        app.input.word_start()
    };
    let names: Vec<String> = app
        .users
        .names()
        .iter()
        .filter(|n| !same_name(n, &app.name))
        .map(|n| n.to_string())
        .collect();
    if let Some(completion) = Completion::start(&before[start..], start, &names) {
        app.input.replace_before_cursor(start, &completion.text());
        app.completion = Some(completion);
    }
}

// ---- sending -------------------------------------------------------------

/// Enter: reconnect when offline (or leave, for `/quit`), else send the
/// input line (or lines, after a paste that could not go at once).
fn submit(app: &mut App) -> Vec<Effect> {
    if let Link::Offline { .. } = app.link {
        if matches!(Command::parse(app.input.text().trim()), Command::Quit(_)) {
            return vec![Effect::Exit];
        }
        app.attempt = 0;
        app.link = Link::Connecting;
        return vec![connect(app)];
    }
    let block = app.input.take();
    send_block(app, &block)
}

/// A pasted block: one line goes into the input as it is (controls
/// removed, spaces kept); several are sent, in order.
fn on_paste(app: &mut App, text: &str) -> Vec<Effect> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<String> = text
        .trim_end_matches('\n')
        .split('\n')
        .map(strip_controls)
        .collect();
    app.input.insert(&lines.join("\n"));
    if lines.len() == 1 {
        return Vec::new();
    }
    let block = app.input.take();
    send_block(app, &block)
}

/// Sends the lines of `block` in order; the first that cannot go now and
/// every line after it go back into the input, so nothing is lost.
fn send_block(app: &mut App, block: &str) -> Vec<Effect> {
    let lines: Vec<&str> = block.split('\n').collect();
    let mut effects = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        match send_line(app, line) {
            Ok(more) => effects.extend(more),
            Err(()) => {
                app.input.set(&lines[at..].join("\n"));
                break;
            }
        }
    }
    effects
}

/// Sends one typed line; `Err` when it cannot go now (not in the room).
fn send_line(app: &mut App, line: &str) -> Result<Vec<Effect>, ()> {
    let line = sanitize(line);
    if line.is_empty() {
        return Ok(Vec::new());
    }
    if app.link == Link::ChoosingName {
        app.name = line.clone();
        app.link = Link::Joining;
        return Ok(vec![Effect::Send(line)]);
    }
    app.history.push(line.clone());
    if is_clear(&line) {
        clear(app);
        return Ok(Vec::new());
    }
    let quit = matches!(Command::parse(&line), Command::Quit(_));
    match app.link {
        Link::Joined if quit => {
            app.link = Link::Quitting;
            Ok(vec![Effect::Send(line)])
        }
        Link::Joined => {
            go_live(app);
            Ok(vec![Effect::Send(line)])
        }
        _ if quit => Ok(vec![Effect::Exit]),
        _ => {
            note(
                app,
                "not in the room yet: kept in the input line".to_owned(),
            );
            Err(())
        }
    }
}

fn is_clear(line: &str) -> bool {
    line.split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("/clear"))
}

fn clear(app: &mut App) {
    app.entries.clear();
    go_live(app);
}

// ---- scrolling -----------------------------------------------------------

fn page(app: &App) -> usize {
    message_view(app.size).1.saturating_sub(1).max(1)
}

fn max_scroll(app: &mut App) -> usize {
    let height = message_view(app.size).1;
    total_rows(app).saturating_sub(height)
}

/// Rows the whole scrollback takes in the message view; wraps only the
/// lines not counted yet for this width and own name.
fn total_rows(app: &mut App) -> usize {
    let width = message_view(app.size).0;
    let look = Look::new(app);
    app.entries
        .total_rows(width, &app.name, |entry| look.row_count(entry, width))
}

fn scroll_up(app: &mut App, rows: usize) {
    app.scroll = (app.scroll + rows).min(max_scroll(app));
}

fn scroll_down(app: &mut App, rows: usize) {
    app.scroll = app.scroll.saturating_sub(rows);
    if app.scroll == 0 {
        app.unseen = 0;
    }
}

fn on_wheel(app: &mut App, notches: i32) {
    let rows = usize::try_from(notches.unsigned_abs()).unwrap_or(1) * WHEEL_ROWS;
    if notches > 0 {
        scroll_up(app, rows)
    } else {
        scroll_down(app, rows)
    }
}

fn go_live(app: &mut App) {
    app.scroll = 0;
    app.unseen = 0;
}

fn clamp_scroll(app: &mut App) {
    if app.scroll > 0 {
        app.scroll = app.scroll.min(max_scroll(app)).max(1);
    }
}

/// Appends a line; while scrolled up the view stays put and the line counts
/// as unseen.
fn add(app: &mut App, body: Body) {
    app.push(body);
    if app.scroll > 0 {
        total_rows(app);
        let newest = app.entries.len().saturating_sub(1);
        let width = message_view(app.size).0;
        app.scroll += app.entries.rows_of(newest, width, &app.name).unwrap_or(1);
        app.unseen += 1;
    }
}

fn note(app: &mut App, text: String) {
    add(app, Body::Note(text));
}

// ---- network -------------------------------------------------------------

fn on_net(app: &mut App, event: NetEvent) -> Vec<Effect> {
    match event {
        NetEvent::Connecting => {
            app.link = Link::Connecting;
            Vec::new()
        }
        NetEvent::Connected => {
            app.link = Link::Joining;
            app.last_failure = None;
            app.bye = None;
            app.in_history = false;
            note(
                app,
                format!("connected to {}, joining as {}", app.addr, app.name),
            );
            Vec::new()
        }
        NetEvent::Line(raw) => on_line(app, &raw),
        NetEvent::Closed(why) => on_closed(app, &why),
        NetEvent::ConnectFailed(why) => {
            if app.last_failure.as_ref() != Some(&why) {
                note(app, format!("cannot reach {}: {why}; retrying", app.addr));
                app.last_failure = Some(why);
            }
            retry(app)
        }
        NetEvent::TooLong => {
            note(
                app,
                "the server sent an over-long line; it was dropped".to_owned(),
            );
            Vec::new()
        }
        NetEvent::RetryIn(in_secs) => {
            app.link = Link::Reconnecting { in_secs };
            Vec::new()
        }
    }
}

fn retry(app: &mut App) -> Vec<Effect> {
    app.attempt = app.attempt.saturating_add(1);
    app.link = Link::Reconnecting { in_secs: 0 };
    vec![connect(app)]
}

/// The link ended: exit after our own `/quit`, stay offline after an idle
/// or login-timeout bye, otherwise reconnect with backoff.
fn on_closed(app: &mut App, why: &str) -> Vec<Effect> {
    app.users.clear();
    app.in_history = false;
    if app.link == Link::Quitting || app.bye == Some(ByeReason::Quit) {
        return vec![Effect::Exit];
    }
    match app.bye.take() {
        Some(reason @ (ByeReason::Idle | ByeReason::LoginTimeout)) => {
            note(
                app,
                format!("disconnected ({reason}); press Enter to reconnect"),
            );
            app.link = Link::Offline {
                reason: reason.to_string(),
            };
            Vec::new()
        }
        Some(reason) => {
            note(app, format!("disconnected ({reason}); reconnecting"));
            retry(app)
        }
        None => {
            note(app, format!("connection lost ({why}); reconnecting"));
            retry(app)
        }
    }
}

/// A line from the server: sanitized, classified, applied, shown.
fn on_line(app: &mut App, raw: &str) -> Vec<Effect> {
    let line = ServerLine::parse(&sanitize(raw));
    let mut effects = apply(app, &line);
    let body = Body::Server(line.clone());
    if app.bell && !app.in_history && classify(&body, &Me::new(&app.name)).wants_attention() {
        effects.push(Effect::Bell);
    }
    add(app, body);
    match line {
        ServerLine::HistoryEnd => app.in_history = false,
        ServerLine::Error(_) if app.link == Link::ChoosingName => {
            note(app, "type another name and press Enter".to_owned());
        }
        _ => {}
    }
    effects
}

/// What a server line changes in the model.
fn apply(app: &mut App, line: &ServerLine) -> Vec<Effect> {
    match line {
        ServerLine::YouAre(name) => {
            app.name = name.to_string();
            app.link = Link::Joined;
            app.attempt = 0;
        }
        ServerLine::Online(names) => app.users.set(names.clone()),
        ServerLine::Arrived(name) => app.users.add(name.clone()),
        ServerLine::Left { name, .. } => app.users.remove(&name.key()),
        ServerLine::Renamed { old, new } => renamed(app, old, new),
        ServerLine::Bye(ByeReason::Quit) => {
            app.bye = Some(ByeReason::Quit);
            return vec![Effect::Exit];
        }
        ServerLine::Bye(reason) => app.bye = Some(reason.clone()),
        ServerLine::HistoryStart(_) => app.in_history = true,
        ServerLine::Error(_) if app.link == Link::Joining => app.link = Link::ChoosingName,
        _ => {}
    }
    Vec::new()
}

fn renamed(app: &mut App, old: &crate::protocol::Name, new: &crate::protocol::Name) {
    app.users.remove(&old.key());
    app.users.add(new.clone());
    if same_name(old, &app.name) {
        app.name = new.to_string();
    }
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
