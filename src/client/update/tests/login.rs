//! Logging in, a refused name, and a server that does not speak chatty.

use super::*;

#[test]
fn starts_by_connecting_with_the_name() {
    let mut app = App::default();
    assert_eq!(
        start(&mut app),
        [Effect::Connect {
            login: Login {
                chatty: vec!["/tags".into(), "alice".into()],
                other: "alice".into()
            },
            attempt: 0
        }]
    );
    assert_eq!(app.link, Link::Connecting);
}

#[test]
fn you_are_and_online_fill_the_users_pane() {
    let app = joined();
    assert_eq!(app.link, Link::Joined);
    assert_eq!(names(&app), ["alice", "bartholomew", "bob"]);
}

#[test]
fn taken_name_lets_the_person_type_another() {
    let mut app = App::default();
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, line("-- welcome to chatty! what's your name?"));
    update(&mut app, line("! name \"alice\" is taken, choose another"));
    assert_eq!(app.link, Link::ChoosingName);
    assert!(
        app.entries.iter().any(|e| e.body
            == Body::Server(ServerLine::error("name \"alice\" is taken, choose another")))
    );
    typed(&mut app, "alice2");
    let effects = update(&mut app, key(KeyCode::Enter));
    assert_eq!(effects, [Effect::Send("alice2".into())]);
    assert_eq!(app.link, Link::Joining);
    assert_eq!(app.name, "alice2");
    update(&mut app, line("-- you are alice2"));
    assert_eq!(app.link, Link::Joined);
}

#[test]
fn invalid_name_too() {
    let mut app = App::new(App::default().addr, "-bad".into());
    update(&mut app, Event::Net(NetEvent::Connected));
    update(
        &mut app,
        line("! name \"-bad\" is invalid: it must start with a letter or digit"),
    );
    assert_eq!(app.link, Link::ChoosingName);
}

#[test]
fn lines_are_not_sent_before_joining() {
    let mut app = App::default();
    update(&mut app, Event::Net(NetEvent::Connected));
    typed(&mut app, "hello");
    assert!(update(&mut app, key(KeyCode::Enter)).is_empty());
    assert!(app.input.is_empty());
    assert_eq!(waiting(&app), ["hello"], "the line waits");
    assert!(last_text(&app).contains("waiting to send: hello"));
    assert!(!app.wants_send_slot());
    update(&mut app, line("-- you are alice"));
    assert_eq!(sent(&drain(&mut app)), ["hello"]);
}

#[test]
fn no_you_are_in_time_means_plain_mode() {
    let mut app = App::default();
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, line("You are 127.0.0.1:5555"));
    typed(&mut app, "hello");
    assert!(update(&mut app, key(KeyCode::Enter)).is_empty());
    update(&mut app, Event::Net(NetEvent::JoinWaitOver));
    assert_eq!(app.link, Link::Plain);
    assert!(last_text(&app).contains("does not speak the chatty protocol"));
    assert_eq!(sent(&drain(&mut app)), ["hello"], "the waiting line goes");
    typed(&mut app, "/msg as typed");
    assert_eq!(
        sent(&update(&mut app, key(KeyCode::Enter))),
        ["/msg as typed"]
    );
    update(&mut app, line("127.0.0.1:6666: hi there"));
    assert_eq!(last_text(&app), "-- 127.0.0.1:6666: hi there");
    assert!(app.users.is_empty());
}

#[test]
fn the_join_wait_is_ignored_once_joined_or_choosing() {
    let mut app = joined();
    update(&mut app, Event::Net(NetEvent::JoinWaitOver));
    assert_eq!(app.link, Link::Joined);
    let mut app = App::default();
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, line("! name \"alice\" is taken, choose another"));
    update(&mut app, Event::Net(NetEvent::JoinWaitOver));
    assert_eq!(app.link, Link::ChoosingName);
}
