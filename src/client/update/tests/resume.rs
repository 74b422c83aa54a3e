//! The numbered room: resuming after a drop, no line twice, history at
//! its own time, the read marker, away marks.

use super::*;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const NEXT: &str = "fedcba9876543210fedcba9876543210";

/// A new app at 2026-12-01 09:30 UTC, the day of the lines below.
fn morning() -> App {
    App {
        clock: crate::client::clock::Clock::from_unix(1_796_117_400, 0),
        ..App::default()
    }
}

/// In the room as alice with tags on; the last room line shown is seq 12.
fn tagged() -> App {
    let mut app = morning();
    start(&mut app);
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, line("-- tags on"));
    update(
        &mut app,
        line(&format!(
            "@epoch=e1;seq=10;session={TOKEN} -- you are alice"
        )),
    );
    update(&mut app, line("-- online (2): alice, bob"));
    update(
        &mut app,
        line("@seq=12;time=2026-12-01T09:00:00.000Z bob: hi"),
    );
    app
}

fn texts(app: &App) -> Vec<String> {
    app.entries.iter().map(crate::client::text::plain).collect()
}

fn drop_link(app: &mut App) -> Vec<Effect> {
    update(app, Event::Net(NetEvent::Closed("reset".into())))
}

#[test]
fn tags_are_asked_for_and_their_reply_is_not_shown() {
    let app = tagged();
    assert!(!texts(&app).iter().any(|t| t.contains("tags on")));
    assert_eq!(app.link, Link::Joined);
}

#[test]
fn a_dropped_link_resumes_from_the_last_line_shown() {
    let mut app = tagged();
    let effects = drop_link(&mut app);
    let expected = vec!["/tags".to_owned(), format!("/resume {TOKEN} 12")];
    assert_eq!(
        effects,
        [Effect::Connect {
            login: Login {
                chatty: expected,
                other: "alice".into()
            },
            attempt: 1
        }]
    );
}

#[test]
fn a_resume_shows_exactly_the_missed_lines_once() {
    let mut app = tagged();
    drop_link(&mut app);
    update(&mut app, Event::Net(NetEvent::Connected));
    let before = app.entries.len();
    for text in [
        "-- tags on".to_owned(),
        format!("@epoch=e1;seq=15;session={NEXT} -- you are alice"),
        "-- online (2): alice, bob".to_owned(),
        "-- resumed (3)".to_owned(),
        "@seq=12;time=2026-12-01T09:00:00.000Z bob: hi".to_owned(),
        "@seq=13;time=2026-12-01T09:01:00.000Z bob: one".to_owned(),
        "@seq=14;time=2026-12-01T09:02:00.000Z -- carol has arrived".to_owned(),
        "-- end of resumed".to_owned(),
        "@seq=16;time=2026-12-01T09:03:00.000Z bob: live".to_owned(),
    ] {
        update(&mut app, line(&text));
    }
    let new: Vec<String> = texts(&app).split_off(before);
    assert_eq!(
        new,
        [
            "~ back in the room; 3 lines were missed:",
            "bob: one",
            "-- carol has arrived",
            "bob: live"
        ]
    );
    assert_eq!(app.link, Link::Joined);
    assert_eq!(app.session.token.as_deref(), Some(NEXT));
    assert_eq!(app.users.len(), 3, "online, then carol");
    // The next drop resumes with the new token, from the newest line.
    let effects = drop_link(&mut app);
    assert!(matches!(&effects[..], [Effect::Connect { login, .. }]
        if login.chatty[1] == format!("/resume {NEXT} 16")));
}

#[test]
fn a_refused_resume_joins_again_and_shows_only_newer_history() {
    let mut app = tagged();
    drop_link(&mut app);
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, line("-- tags on"));
    let effects = update(&mut app, line("! cannot resume: unknown token"));
    assert_eq!(effects, [Effect::Send("alice".into())]);
    assert_eq!(app.link, Link::Joining, "not a refused name");
    let before = app.entries.len();
    for text in [
        "@epoch=e1;seq=20;session=aa -- you are alice",
        "-- online (2): alice, bob",
        "-- history (3)",
        "@seq=11;time=2026-12-01T08:59:00.000Z bob: old",
        "@seq=12;time=2026-12-01T09:00:00.000Z bob: hi",
        "@seq=13;time=2026-12-01T09:01:00.000Z bob: missed",
        "-- end of history",
    ] {
        update(&mut app, line(text));
    }
    let new = texts(&app).split_off(before);
    assert!(new.contains(&"bob: missed".to_owned()), "{new:?}");
    assert!(
        !new.iter().any(|t| t == "bob: hi" || t == "bob: old"),
        "{new:?}"
    );
    assert!(
        !new.iter().any(|t| t.contains("history")),
        "no frame counting old lines: {new:?}"
    );
    assert!(
        app.entries.back().is_some_and(|e| e.history),
        "the newer line is history"
    );
    assert!(!app.in_history, "the frame ended");
    assert_eq!(app.link, Link::Joined);
}

#[test]
fn history_lines_keep_the_time_they_were_said() {
    let mut app = morning();
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, line("@epoch=e;seq=9;session=ab -- you are alice"));
    update(&mut app, line("-- history (1)"));
    update(
        &mut app,
        line("@seq=3;time=2026-11-30T07:05:00.000Z bob: yesterday"),
    );
    update(&mut app, line("-- end of history"));
    let said = app
        .entries
        .iter()
        .find(|e| crate::client::text::plain(e) == "bob: yesterday")
        .expect("shown");
    assert!(said.history && said.said);
    assert_eq!(said.clock.to_string(), "07:05");
}

#[test]
fn a_lost_focus_puts_the_read_marker_before_the_next_line() {
    let mut app = tagged();
    update(&mut app, Event::Focus(false));
    assert!(
        texts(&app).last().is_some_and(|t| t == "bob: hi"),
        "nothing new yet"
    );
    update(
        &mut app,
        line("@seq=13;time=2026-12-01T09:01:00.000Z bob: while away"),
    );
    let shown = texts(&app);
    assert_eq!(shown[shown.len() - 2..], ["── new ──", "bob: while away"]);
    // Back, away again: the marker moves, the old one is hidden.
    update(&mut app, Event::Focus(true));
    update(&mut app, Event::Focus(false));
    update(
        &mut app,
        line("@seq=14;time=2026-12-01T09:02:00.000Z bob: later"),
    );
    let live: Vec<_> = app
        .entries
        .iter()
        .filter(|e| e.body == Body::ReadMarker { live: true })
        .collect();
    assert_eq!(live.len(), 1);
    assert_eq!(texts(&app).last().map(String::as_str), Some("bob: later"));
}

#[test]
fn a_note_does_not_use_up_the_read_marker() {
    let mut app = tagged();
    update(&mut app, Event::Focus(false));
    drop_link(&mut app);
    update(&mut app, Event::Net(NetEvent::Connected));
    update(
        &mut app,
        line("@seq=13;time=2026-12-01T09:01:00.000Z bob: later"),
    );
    let shown = texts(&app);
    let marker = shown.iter().position(|t| t == "── new ──");
    let later = shown.iter().position(|t| t == "bob: later");
    assert!(marker.is_some() && marker < later, "{shown:?}");
}

#[test]
fn the_read_marker_survives_a_resume() {
    let mut app = tagged();
    update(&mut app, Event::Focus(false));
    update(
        &mut app,
        line("@seq=13;time=2026-12-01T09:01:00.000Z bob: one"),
    );
    drop_link(&mut app);
    update(&mut app, Event::Net(NetEvent::Connected));
    update(
        &mut app,
        line(&format!("@epoch=e1;seq=13;session={NEXT} -- you are alice")),
    );
    update(&mut app, line("-- resumed (0)"));
    update(&mut app, line("-- end of resumed"));
    let markers = texts(&app).iter().filter(|t| *t == "── new ──").count();
    assert_eq!(markers, 1);
    assert!(app.read_marker.is_some());
}

#[test]
fn away_members_are_marked_and_our_own_away_is_known() {
    let mut app = tagged();
    update(
        &mut app,
        line("@seq=13;time=2026-12-01T09:01:00.000Z -- bob is away (lunch)"),
    );
    let bob = crate::protocol::Name::parse("bob").expect("name");
    assert!(app.users.is_away(&bob));
    update(
        &mut app,
        line("@seq=14;time=2026-12-01T09:02:00.000Z -- bob is now known as robert"),
    );
    let robert = crate::protocol::Name::parse("robert").expect("name");
    assert!(app.users.is_away(&robert), "a rename keeps it");
    update(
        &mut app,
        line("@seq=15;time=2026-12-01T09:03:00.000Z -- alice is away"),
    );
    assert!(app.away);
    update(
        &mut app,
        line("@seq=16;time=2026-12-01T09:04:00.000Z -- alice is back"),
    );
    assert!(!app.away);
}

#[test]
fn a_seat_taken_elsewhere_is_not_fought_over() {
    let mut app = tagged();
    update(&mut app, line("-- bye (resumed elsewhere)"));
    let effects = drop_link(&mut app);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(app.link, Link::Offline { .. }));
    assert_eq!(app.session.token, None);
}
