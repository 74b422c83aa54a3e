//! Keys and local commands for all-day use: search (Ctrl-F, `/search`),
//! quiet joins (Alt-J, `/joins`), links (Ctrl-O), the users pane (F2,
//! Alt-U) and completing a `/command` with Tab. Each is a small rule on
//! the model; the rest of the keys live in `keys`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::client::app::App;
use crate::client::event::Effect;
use crate::client::input::Completion;
use crate::client::search::{self, Search};
use crate::client::ui::layout::message_view;
use crate::client::{links, text};

use super::scroll::{clamp, go_live, note, scroll_up, total_rows};

/// The commands Tab completes after a `/` at the start of the line.
const COMMANDS: &[&str] = &[
    "/away",
    "/back",
    "/bans",
    "/ban",
    "/clear",
    "/help",
    "/ignore",
    "/joins",
    "/kick",
    "/me",
    "/msg",
    "/mute",
    "/names",
    "/nick",
    "/oper",
    "/ping",
    "/quit",
    "/search",
    "/session",
    "/stats",
    "/unban",
    "/unignore",
    "/unmute",
    "/who",
];

/// The keys handled here; `None` leaves the key to `keys`.
pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Option<Vec<Effect>> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    if app.search.is_some() {
        return on_search_key(app, key.code, ctrl || alt);
    }
    match key.code {
        KeyCode::Char('f' | 'F') if ctrl => start_search(app, ""),
        KeyCode::Char('o' | 'O') if ctrl => return Some(open_link(app)),
        KeyCode::Char('u' | 'U') if alt => toggle_users(app),
        KeyCode::F(2) => toggle_users(app),
        KeyCode::Char('j' | 'J') if alt => toggle_joins(app),
        KeyCode::Tab if app.completion.is_none() && complete_command(app) => {}
        _ => return None,
    }
    Some(Vec::new())
}

/// Local commands: `/search TEXT` and `/joins`; `None` for any other line.
pub(super) fn command(app: &mut App, line: &str) -> Option<Vec<Effect>> {
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    if word.eq_ignore_ascii_case("/search") {
        start_search(app, rest.trim());
    } else if word.eq_ignore_ascii_case("/joins") && rest.trim().is_empty() {
        toggle_joins(app);
    } else {
        return None;
    }
    Some(Vec::new())
}

// ---- search ------------------------------------------------------------------

/// Enters search mode with `query` in the input line, and looks for it.
fn start_search(app: &mut App, query: &str) {
    let saved = app.input.take();
    app.search = Some(Search {
        saved,
        ..Search::default()
    });
    app.input.set(query);
    search_from_newest(app);
}

/// While searching: Enter and Ctrl-F go further back, Esc goes back to
/// live, typing changes what is searched for; other keys work as ever.
fn on_search_key(app: &mut App, code: KeyCode, modified: bool) -> Option<Vec<Effect>> {
    match code {
        KeyCode::Enter => search_older(app),
        KeyCode::Char('f' | 'F') if modified => search_older(app),
        KeyCode::Esc => end_search(app),
        KeyCode::Char(c) if !modified => {
            app.input.insert(c.encode_utf8(&mut [0; 4]));
            search_from_newest(app);
        }
        KeyCode::Backspace if !modified => {
            app.input.backspace();
            search_from_newest(app);
        }
        _ => return None,
    }
    Some(Vec::new())
}

fn search_from_newest(app: &mut App) {
    let found = search::find(app, app.input.text(), None);
    show_hit(app, found);
}

fn search_older(app: &mut App) {
    let Some(before) = app.search.as_ref().and_then(|s| s.hit) else {
        return search_from_newest(app);
    };
    match search::find(app, app.input.text(), Some(before)) {
        Some(id) => show_hit(app, Some(id)),
        None => {
            if let Some(search) = app.search.as_mut() {
                search.exhausted = true;
            }
        }
    }
}

/// Marks `hit` and scrolls so that it is the lowest line in view.
fn show_hit(app: &mut App, hit: Option<u64>) {
    if let Some(search) = app.search.as_mut() {
        search.hit = hit;
        search.exhausted = false;
    }
    go_live(app);
    let Some(index) = hit.and_then(|id| app.entries.index_of(id)) else {
        return;
    };
    total_rows(app);
    let width = message_view(app).0;
    let below: usize = (index + 1..app.entries.len())
        .map(|i| app.entries.rows_of(i, width, &app.name).unwrap_or(1))
        .sum();
    scroll_up(app, below);
}

/// Esc: back to live, the input line as it was before the search.
fn end_search(app: &mut App) {
    if let Some(search) = app.search.take() {
        app.input.set(&search.saved);
    }
    go_live(app);
}

// ---- panes, joins, links, completion -----------------------------------------

fn toggle_users(app: &mut App) {
    app.prefs.show_users = !app.prefs.show_users;
    clamp(app);
}

fn toggle_joins(app: &mut App) {
    app.quiet.hide = !app.quiet.hide;
    app.entries.recount();
    clamp(app);
    if app.quiet.hide {
        note(
            app,
            "quiet joins hidden: arrivals and leaves of people who have not spoken for 5 minutes, in rooms of more than 20 (Alt-J shows them)",
        );
    } else {
        note(app, "all joins shown (Alt-J hides quiet ones again)");
    }
}

/// Ctrl-O: the newest link in view, opened.
fn open_link(app: &mut App) -> Vec<Effect> {
    match newest_visible_link(app) {
        Some(url) => vec![Effect::Open(url)],
        None => {
            note(app, "no link in view");
            Vec::new()
        }
    }
}

fn newest_visible_link(app: &mut App) -> Option<String> {
    total_rows(app);
    let (width, height) = message_view(app);
    let mut below = 0;
    for (index, entry) in app.entries.iter().enumerate().rev() {
        if below >= app.scroll + height {
            break;
        }
        let rows = app.entries.rows_of(index, width, &app.name).unwrap_or(1);
        if below + rows > app.scroll
            && !(entry.quiet && app.quiet.hide)
            && let Some(url) = links::last(&text::plain(entry))
        {
            return Some(url.to_owned());
        }
        below += rows;
    }
    None
}

/// Tab after `/` and part of a command at the start of the line.
fn complete_command(app: &mut App) -> bool {
    let text = app.input.text();
    if !text.starts_with('/')
        || text.contains(char::is_whitespace)
        || app.input.cursor() != text.len()
    {
        return false;
    }
    let commands: Vec<String> = COMMANDS.iter().map(|c| format!("{c} ")).collect();
    let Some(mut completion) = Completion::start(text, 0, &commands) else {
        return false;
    };
    completion.at_line_start = false;
    app.input.replace_before_cursor(0, &completion.text());
    app.completion = Some(completion);
    true
}
