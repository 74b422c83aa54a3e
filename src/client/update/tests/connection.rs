//! Dropped links, reconnecting and going offline.

use super::*;

#[test]
fn an_untrusted_certificate_is_not_retried() {
    let mut app = App::default();
    let why = "the certificate of 127.0.0.1:8443 has changed";
    let effects = update(&mut app, Event::Net(NetEvent::Untrusted(why.into())));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(app.link, Link::Offline { .. }));
    assert!(last_text(&app).contains("has changed; not reconnecting"));
}

#[test]
fn dropped_link_reconnects_with_backoff_and_the_same_name() {
    let mut app = joined();
    update(&mut app, line("-- alice is now known as Alicia"));
    let effects = update(&mut app, Event::Net(NetEvent::Closed("reset".into())));
    assert_eq!(
        effects,
        [Effect::Connect {
            login: Login {
                chatty: vec!["/tags".into(), "Alicia".into()],
                other: "Alicia".into()
            },
            attempt: 1
        }]
    );
    assert!(app.users.is_empty(), "the list is stale while away");
    update(&mut app, Event::Net(NetEvent::RetryIn(1)));
    assert_eq!(app.link, Link::Reconnecting { in_secs: 1 });
    let effects = update(
        &mut app,
        Event::Net(NetEvent::ConnectFailed("refused".into())),
    );
    assert_eq!(
        effects,
        [Effect::Connect {
            login: Login {
                chatty: vec!["/tags".into(), "Alicia".into()],
                other: "Alicia".into()
            },
            attempt: 2
        }]
    );
    update(&mut app, Event::Net(NetEvent::Connecting));
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, line("-- you are Alicia"));
    assert_eq!((app.link.clone(), app.attempt), (Link::Joined, 0));
}

#[test]
fn shutting_down_reconnects() {
    let mut app = joined();
    update(&mut app, line("-- bye (server shutting down)"));
    let effects = update(&mut app, Event::Net(NetEvent::Closed("eof".into())));
    assert_eq!(
        effects,
        [Effect::Connect {
            login: Login {
                chatty: vec!["/tags".into(), "alice".into()],
                other: "alice".into()
            },
            attempt: 1
        }]
    );
}

#[test]
fn bye_quit_never_reconnects() {
    let mut app = joined();
    assert_eq!(update(&mut app, line("-- bye (quit)")), [Effect::Exit]);
    assert_eq!(
        update(&mut app, Event::Net(NetEvent::Closed("eof".into()))),
        [Effect::Exit]
    );
}

#[test]
fn kicked_or_banned_never_reconnects_and_says_why() {
    for (bye, reason) in [
        ("-- bye (kicked: spam)", "kicked: spam"),
        ("-- bye (banned)", "banned"),
    ] {
        let mut app = joined();
        update(&mut app, line(bye));
        let effects = update(&mut app, Event::Net(NetEvent::Closed("eof".into())));
        assert!(effects.is_empty(), "{effects:?}");
        assert_eq!(
            app.link,
            Link::Offline {
                reason: reason.into()
            }
        );
        let shown = last_text(&app);
        assert!(
            shown.contains(reason) && shown.contains("not reconnecting"),
            "{shown}"
        );
    }
}

#[test]
fn idle_goes_offline_until_enter() {
    let mut app = joined();
    update(&mut app, line("-- bye (idle)"));
    assert!(update(&mut app, Event::Net(NetEvent::Closed("eof".into()))).is_empty());
    assert_eq!(
        app.link,
        Link::Offline {
            reason: "idle".into()
        }
    );
    typed(&mut app, "kept");
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        [Effect::Connect {
            login: Login {
                chatty: vec!["/tags".into(), "alice".into()],
                other: "alice".into()
            },
            attempt: 0
        }]
    );
    assert_eq!(waiting(&app), ["kept"]);
}

#[test]
fn quit_while_offline_exits() {
    let mut app = joined();
    update(&mut app, line("-- bye (idle)"));
    update(&mut app, Event::Net(NetEvent::Closed("eof".into())));
    typed(&mut app, "/quit");
    assert_eq!(update(&mut app, key(KeyCode::Enter)), [Effect::Exit]);
}

#[test]
fn unreachable_at_start_keeps_retrying_on_screen() {
    let mut app = App::default();
    let effects = update(
        &mut app,
        Event::Net(NetEvent::ConnectFailed("connection refused".into())),
    );
    assert_eq!(
        effects,
        [Effect::Connect {
            login: Login {
                chatty: vec!["/tags".into(), "alice".into()],
                other: "alice".into()
            },
            attempt: 1
        }]
    );
    assert!(last_text(&app).contains("cannot reach 127.0.0.1:8000: connection refused"));
    let before = app.entries.len();
    let effects = update(
        &mut app,
        Event::Net(NetEvent::ConnectFailed("connection refused".into())),
    );
    assert_eq!(
        effects,
        [Effect::Connect {
            login: Login {
                chatty: vec!["/tags".into(), "alice".into()],
                other: "alice".into()
            },
            attempt: 2
        }]
    );
    assert_eq!(
        app.entries.len(),
        before,
        "the same failure is not noted twice"
    );
}

#[test]
fn quit_while_offline_exits_at_once() {
    let mut app = App::default();
    typed(&mut app, "/quit");
    assert_eq!(update(&mut app, key(KeyCode::Enter)), [Effect::Exit]);
}
