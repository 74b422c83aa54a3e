//! Room lines and the users pane, at scale too.

use super::*;

#[test]
fn arrivals_leaves_and_renames_keep_the_users_live() {
    let mut app = joined();
    update(&mut app, line("-- carol has arrived"));
    assert_eq!(app.users.len(), 4);
    update(&mut app, line("-- bob has left (idle)"));
    update(&mut app, line("-- bartholomew has left"));
    assert_eq!(names(&app), ["alice", "carol"]);
    update(&mut app, line("-- carol is now known as Caroline"));
    assert_eq!(names(&app), ["alice", "Caroline"]);
    update(&mut app, line("-- alice is now known as Alicia"));
    assert_eq!(app.name, "Alicia");
    assert_eq!(names(&app), ["Alicia", "Caroline"]);
}

#[test]
fn every_line_kind_is_kept_in_order() {
    let mut app = joined();
    for wire in [
        "bob: hi",
        "* bob waves",
        "bob -> alice: psst",
        "-- pong",
        "! nope",
        "what?",
    ] {
        update(&mut app, line(wire));
        assert_eq!(last_text(&app), wire);
    }
}

#[test]
fn network_text_is_sanitized() {
    let mut app = joined();
    update(&mut app, line("bob: \x1b[31mred\x1b]0;title\x07"));
    assert_eq!(last_text(&app), "bob: [31mred]0;title");
}

#[test]
fn history_lines_are_marked() {
    let mut app = joined();
    update(&mut app, line("-- history (1)"));
    update(&mut app, line("bob: earlier"));
    update(&mut app, line("-- end of history"));
    update(&mut app, line("bob: now"));
    let flags: Vec<bool> = app
        .entries
        .iter()
        .rev()
        .take(4)
        .map(|e| e.history)
        .collect();
    assert_eq!(flags, [false, true, true, true]);
}

#[test]
fn bell_on_mention_or_private_only_when_asked() {
    let mut app = joined();
    assert!(update(&mut app, line("bob: hi alice")).is_empty());
    app.bell = true;
    assert_eq!(update(&mut app, line("bob: hi alice")), [Effect::Bell]);
    assert_eq!(update(&mut app, line("bob -> alice: psst")), [Effect::Bell]);
    assert!(update(&mut app, line("bob: hi all")).is_empty());
    assert!(update(&mut app, line("alice: talking about alice")).is_empty());
    update(&mut app, line("-- history (1)"));
    assert!(update(&mut app, line("bob: old news alice")).is_empty());
}

#[test]
fn ten_thousand_arrivals_are_cheap() {
    let mut app = joined();
    let started = std::time::Instant::now();
    for i in 0..10_000 {
        update(&mut app, line(&format!("-- user{i:05} has arrived")));
    }
    assert_eq!(app.users.len(), 10_003);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    update(&mut app, line("-- user00042 has left"));
    assert_eq!(names(&app)[..3], ["alice", "bartholomew", "bob"]);
    assert!(!names(&app).contains(&"user00042".to_owned()));
}

#[test]
fn skipped_lines_refresh_the_roster() {
    let mut app = joined();
    assert_eq!(
        sent(&update(&mut app, line("-- 12 messages skipped"))),
        ["/names"]
    );
    update(&mut app, line("-- online (2): alice, zed"));
    assert_eq!(names(&app), ["alice", "zed"]);
}
