//! Search, day lines, quiet joins, the users pane, links and command
//! completion.

use super::*;
use crate::client::clock::Clock;
use crate::client::quiet::BUSY_ROOM;

fn f2() -> Event {
    key(KeyCode::F(2))
}

fn found(app: &App) -> Option<String> {
    let id = app.search.as_ref()?.hit?;
    let index = app.entries.index_of(id)?;
    app.entries
        .iter()
        .nth(index)
        .map(crate::client::text::plain)
}

fn talk(app: &mut App) {
    for text in [
        "bob: Hello there",
        "bob: nothing",
        "bob: HELLO again",
        "bob: bye",
    ] {
        update(app, line(text));
    }
}

#[test]
fn search_finds_the_newest_then_older_lines_and_esc_goes_live() {
    let mut app = joined();
    talk(&mut app);
    typed(&mut app, "half typed");
    update(&mut app, ctrl('f'));
    assert_eq!(app.input.text(), "", "the input line holds the search");
    typed(&mut app, "hello");
    assert_eq!(found(&app).as_deref(), Some("bob: HELLO again"));
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(found(&app).as_deref(), Some("bob: Hello there"));
    update(&mut app, ctrl('f'));
    assert_eq!(
        found(&app).as_deref(),
        Some("bob: Hello there"),
        "no older one"
    );
    assert!(app.search.as_ref().is_some_and(|s| s.exhausted));
    assert!(
        sent(&update(&mut app, key(KeyCode::Enter))).is_empty(),
        "Enter never sends"
    );
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.search, None);
    assert_eq!(app.input.text(), "half typed");
    assert_eq!(app.scroll, 0);
}

#[test]
fn slash_search_scrolls_the_hit_into_view() {
    let mut app = joined();
    app.size = (60, 12);
    for i in 0..20 {
        update(&mut app, line(&format!("bob: old hay {i}")));
    }
    update(&mut app, line("bob: the needle 🪡 is here"));
    for i in 0..40 {
        update(&mut app, line(&format!("bob: hay {i}")));
    }
    typed(&mut app, "/search NEEDLE 🪡");
    assert!(
        sent(&update(&mut app, key(KeyCode::Enter))).is_empty(),
        "local"
    );
    assert_eq!(found(&app).as_deref(), Some("bob: the needle 🪡 is here"));
    assert_eq!(app.scroll, 40, "the hit is the lowest line in view");
    typed(&mut app, "x");
    assert_eq!(found(&app), None, "no match for needle 🪡x");
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.scroll, 0);
}

#[test]
fn a_day_line_goes_between_days_history_included() {
    let mut app = joined();
    // 2026-11-30T23:00:00Z, then the next day.
    app.clock = Clock::from_unix(1_796_079_600, 0);
    update(&mut app, line("-- history (2)"));
    update(&mut app, line("bob: late"));
    app.clock = Clock::from_unix(1_796_079_600 + 7200, 0);
    update(&mut app, line("bob: early"));
    update(&mut app, line("-- end of history"));
    update(&mut app, line("bob: live"));
    let texts: Vec<String> = app.entries.iter().map(crate::client::text::plain).collect();
    let days: Vec<&String> = texts.iter().filter(|t| t.starts_with("──")).collect();
    // The lines before were stamped in 1970: a day line before the first
    // of today too.
    assert_eq!(
        days,
        [
            "── Monday 30 November 2026 ──",
            "── Tuesday 1 December 2026 ──"
        ],
        "{texts:#?}"
    );
    let at = texts
        .iter()
        .rposition(|t| t.starts_with("──"))
        .expect("a day line");
    assert_eq!(texts[at - 1], "bob: late");
    assert_eq!(texts[at + 1], "bob: early");
}

/// A room of more than [`BUSY_ROOM`], with bob having just spoken.
fn busy() -> App {
    let mut app = joined();
    app.clock = Clock::from_unix(1_796_079_600, 0);
    for i in 0..BUSY_ROOM {
        update(&mut app, line(&format!("-- user{i} has arrived")));
    }
    update(&mut app, line("bob: I am here"));
    app
}

fn quiet_flags(app: &App, n: usize) -> Vec<bool> {
    let flags: Vec<bool> = app.entries.iter().map(|e| e.quiet).collect();
    flags[flags.len() - n..].to_vec()
}

#[test]
fn quiet_joins_are_hidden_in_a_busy_room_but_the_users_follow() {
    let mut app = busy();
    update(&mut app, line("-- zed has arrived"));
    update(&mut app, line("-- bob is now known as robert"));
    update(&mut app, line("-- user3 has left (quit)"));
    update(&mut app, line("-- robert has left"));
    assert_eq!(quiet_flags(&app, 4), [true, false, true, false]);
    assert!(
        names(&app).contains(&"zed".to_owned()),
        "the users pane still updates"
    );
    assert!(!names(&app).contains(&"user3".to_owned()));
    // Five minutes later robert's old word no longer counts.
    update(&mut app, line("-- robert has arrived"));
    app.clock = Clock::from_unix(app.clock.unix + 301, 0);
    update(&mut app, line("-- robert has left"));
    assert_eq!(quiet_flags(&app, 2), [false, true]);
}

#[test]
fn a_small_room_shows_every_join() {
    let mut app = joined();
    update(&mut app, line("-- zed has arrived"));
    assert_eq!(quiet_flags(&app, 1), [false]);
}

#[test]
fn alt_j_and_slash_joins_toggle_quiet_joins() {
    let mut app = busy();
    assert!(app.quiet.hide);
    update(&mut app, alt('j'));
    assert!(!app.quiet.hide);
    typed(&mut app, "/joins");
    assert!(sent(&update(&mut app, key(KeyCode::Enter))).is_empty());
    assert!(app.quiet.hide);
}

#[test]
fn f2_and_alt_u_toggle_the_users_pane() {
    let mut app = joined();
    update(&mut app, f2());
    assert!(!app.prefs.show_users);
    update(&mut app, alt('u'));
    assert!(app.prefs.show_users);
}

#[test]
fn tab_completes_commands() {
    let mut app = joined();
    typed(&mut app, "/ni");
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.input.text(), "/nick ");
    app.input.take();
    typed(&mut app, "/n");
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.input.text(), "/names ");
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.input.text(), "/nick ", "Tab again cycles");
    app.input.take();
    typed(&mut app, "bar");
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.input.text(), "bartholomew: ", "names still complete");
}

#[test]
fn ctrl_o_opens_the_newest_link_in_view() {
    let mut app = joined();
    assert!(update(&mut app, ctrl('o')).is_empty());
    assert_eq!(last_text(&app), "~ no link in view");
    update(&mut app, line("bob: old https://old.example/"));
    update(&mut app, line("bob: see https://example.org/a?b=1."));
    update(&mut app, line("bob: no link"));
    assert_eq!(
        update(&mut app, ctrl('o')),
        [Effect::Open("https://example.org/a?b=1".into())]
    );
    update(&mut app, line("-- zed has arrived javascript:alert(1)"));
    assert_eq!(update(&mut app, ctrl('o')).len(), 1);
}
