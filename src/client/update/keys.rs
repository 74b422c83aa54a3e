//! Keys: editing the input line (readline's keys), recall, completion,
//! scrolling, and the keys that leave, suspend or cancel.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::client::app::App;
use crate::client::classify::same_name;
use crate::client::event::{Effect, Signal};
use crate::client::input::Completion;

use super::scroll::{go_live, page, scroll_down, scroll_up};
use super::sending::{cancel_waiting, submit};

/// A signal from outside: leave as a quit does (SIGQUIT: as an abort).
/// SIGTERM, SIGHUP, SIGINT leave as `/quit` does (else the server would
/// hold the seat and the next start would find the name taken); a second
/// one leaves at once.
pub(super) fn on_signal(app: &mut App, signal: Signal) -> Vec<Effect> {
    match signal {
        Signal::Terminate | Signal::Hangup | Signal::Interrupt => super::sending::quit(app),
        Signal::Quit => vec![Effect::Abort],
    }
}

pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.kind != KeyEventKind::Press {
        return Vec::new();
    }
    if key.code != KeyCode::Tab {
        app.completion = None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    if app.paste.is_some() {
        return on_paste_question(app, key.code, ctrl);
    }
    if let Some(effects) = super::allday::on_key(app, key) {
        return effects;
    }
    match key.code {
        KeyCode::Char(c) if ctrl => on_ctrl(app, c),
        KeyCode::Char(c) if alt => {
            on_alt(app, c);
            Vec::new()
        }
        KeyCode::Backspace if alt => {
            app.kill = app.input.delete_word_back();
            Vec::new()
        }
        KeyCode::Left if ctrl || alt => {
            app.input.word_left();
            Vec::new()
        }
        KeyCode::Right if ctrl || alt => {
            app.input.word_right();
            Vec::new()
        }
        KeyCode::Enter => submit(app),
        KeyCode::Esc => {
            cancel_waiting(app);
            Vec::new()
        }
        code => {
            on_plain(app, code);
            Vec::new()
        }
    }
}

/// While a long paste waits for an answer: Enter sends, Esc drops it,
/// Ctrl-C still quits; other keys do nothing.
fn on_paste_question(app: &mut App, code: KeyCode, ctrl: bool) -> Vec<Effect> {
    match code {
        KeyCode::Char('c') if ctrl => super::sending::quit(app),
        KeyCode::Enter => super::sending::confirm_paste(app),
        KeyCode::Esc => {
            super::sending::drop_paste(app);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn on_ctrl(app: &mut App, c: char) -> Vec<Effect> {
    match c.to_ascii_lowercase() {
        'c' => return super::sending::quit(app),
        'd' if app.input.is_empty() => return super::sending::quit(app),
        'z' => return vec![Effect::Suspend],
        'l' => return vec![Effect::Redraw],
        'd' => app.input.delete(),
        'a' => app.input.home(),
        'e' => app.input.end(),
        'b' => app.input.left(),
        'f' => app.input.right(),
        'w' => app.kill = app.input.delete_word_back(),
        'u' => app.kill = app.input.delete_to_start(),
        'k' => app.kill = app.input.delete_to_end(),
        'y' => app.input.insert(&app.kill.clone()),
        _ => {}
    }
    Vec::new()
}

fn on_alt(app: &mut App, c: char) {
    match c {
        'b' => app.input.word_left(),
        'f' => app.input.word_right(),
        'd' => app.kill = app.input.delete_word_forward(),
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
pub(super) fn complete(app: &mut App) {
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
        .iter()
        .filter(|n| !same_name(n, &app.name))
        .map(|n| n.to_string())
        .collect();
    if let Some(completion) = Completion::start(&before[start..], start, &names) {
        app.input.replace_before_cursor(start, &completion.text());
        app.completion = Some(completion);
    }
}
