//! Unit tests of `update`: every key and every server line the client acts on.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

use super::*;
use crate::client::app::{Body, Link, SCROLLBACK_LINES};
use crate::client::event::{NetEvent, Signal};
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
    match &app.entries.back().expect("an entry").body {
        Body::Server(line) => line.to_string(),
        Body::Note(text) => format!("~ {text}"),
    }
}

fn names(app: &App) -> Vec<String> {
    app.users.iter().map(ToString::to_string).collect()
}

// ---- start and login -----------------------------------------------------

#[test]
fn starts_by_connecting_with_the_name() {
    let app = App::default();
    assert_eq!(
        start(&app),
        [Effect::Connect {
            name: "alice".into(),
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

// ---- room lines ------------------------------------------------------------

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

// ---- sending -----------------------------------------------------------------

#[test]
fn enter_sends_and_clears() {
    let mut app = joined();
    typed(&mut app, "hello there");
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        [Effect::Send("hello there".into())]
    );
    assert!(app.input.is_empty());
    assert!(
        update(&mut app, key(KeyCode::Enter)).is_empty(),
        "empty lines are not sent"
    );
}

#[test]
fn commands_pass_through() {
    let mut app = joined();
    for command in [
        "/me waves",
        "/nick bobby",
        "/msg bob psst",
        "/names",
        "/help",
        "//not a command",
    ] {
        typed(&mut app, command);
        assert_eq!(sent(&update(&mut app, key(KeyCode::Enter))), [command]);
    }
}

#[test]
fn clear_is_local() {
    let mut app = joined();
    typed(&mut app, "/clear");
    assert!(update(&mut app, key(KeyCode::Enter)).is_empty());
    assert!(app.entries.is_empty());
}

#[test]
fn quit_waits_for_the_bye_then_exits() {
    let mut app = joined();
    typed(&mut app, "/quit see you");
    assert_eq!(
        update(&mut app, key(KeyCode::Enter)),
        [Effect::Send("/quit see you".into())]
    );
    assert_eq!(app.link, Link::Quitting);
    assert_eq!(update(&mut app, line("-- bye (quit)")), [Effect::Exit]);
}

#[test]
fn quit_exits_if_the_link_closes_first() {
    let mut app = joined();
    typed(&mut app, "/quit");
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(
        update(&mut app, Event::Net(NetEvent::Closed("eof".into()))),
        [Effect::Exit]
    );
}

#[test]
fn ctrl_c_quits_and_ctrl_d_quits_on_an_empty_line() {
    let mut app = joined();
    typed(&mut app, "draft");
    assert_eq!(update(&mut app, ctrl('c')), [Effect::Exit]);
    update(&mut app, key(KeyCode::Home));
    assert!(update(&mut app, ctrl('d')).is_empty());
    assert_eq!(app.input.text(), "raft", "Ctrl-D deletes under the cursor");
    app.input.take();
    assert_eq!(update(&mut app, ctrl('d')), [Effect::Exit]);
}

#[test]
fn ctrl_l_redraws() {
    let mut app = joined();
    assert_eq!(update(&mut app, ctrl('l')), [Effect::Redraw]);
}

#[test]
fn over_long_server_lines_become_a_note() {
    let mut app = App::default();
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, Event::Net(NetEvent::TooLong));
    assert_eq!(app.link, Link::Joining, "not taken for a name refusal");
    assert!(last_text(&app).contains("over-long"));
}

#[test]
fn only_key_presses_count() {
    let mut app = joined();
    let mut release = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    update(&mut app, Event::Key(release));
    let repeat = KeyEvent::new_with_kind_and_state(
        KeyCode::Char('y'),
        KeyModifiers::NONE,
        KeyEventKind::Repeat,
        KeyEventState::NONE,
    );
    update(&mut app, Event::Key(repeat));
    assert!(app.input.is_empty());
}

// ---- editing -----------------------------------------------------------------

#[test]
fn shell_editing_keys() {
    let mut app = joined();
    typed(&mut app, "one two three");
    update(&mut app, ctrl('w'));
    assert_eq!(app.input.text(), "one two ");
    update(&mut app, ctrl('a'));
    typed(&mut app, ">");
    update(&mut app, ctrl('e'));
    typed(&mut app, "!");
    assert_eq!(app.input.text(), ">one two !");
    update(&mut app, alt('b'));
    update(&mut app, alt('b'));
    assert_eq!(app.input.cursor(), 5);
    update(&mut app, alt('f'));
    assert_eq!(app.input.cursor(), 8);
    update(&mut app, key(KeyCode::Left));
    update(&mut app, key(KeyCode::Backspace));
    assert_eq!(app.input.text(), ">one to !");
    update(&mut app, key(KeyCode::Delete));
    assert_eq!(app.input.text(), ">one t !");
    update(&mut app, key(KeyCode::Right));
    update(&mut app, ctrl('u'));
    assert_eq!(app.input.text(), "!");
    update(&mut app, key(KeyCode::End));
    assert_eq!(app.input.cursor(), 1);
    update(&mut app, key(KeyCode::Home));
    assert_eq!(app.input.cursor(), 0);
}

#[test]
fn editing_is_by_grapheme() {
    let mut app = joined();
    typed(&mut app, "你👍🏽e\u{301}");
    update(&mut app, key(KeyCode::Backspace));
    assert_eq!(app.input.text(), "你👍🏽");
    update(&mut app, key(KeyCode::Left));
    update(&mut app, key(KeyCode::Delete));
    assert_eq!(app.input.text(), "你");
}

#[test]
fn up_and_down_recall_sent_lines() {
    let mut app = joined();
    for text in ["first", "second"] {
        typed(&mut app, text);
        update(&mut app, key(KeyCode::Enter));
    }
    typed(&mut app, "draft");
    update(&mut app, key(KeyCode::Up));
    assert_eq!(app.input.text(), "second");
    update(&mut app, key(KeyCode::Up));
    assert_eq!(app.input.text(), "first");
    update(&mut app, key(KeyCode::Down));
    update(&mut app, key(KeyCode::Down));
    assert_eq!(app.input.text(), "draft");
}

#[test]
fn tab_completes_names() {
    let mut app = joined();
    update(&mut app, line("-- barbara has arrived"));
    typed(&mut app, "bart");
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.input.text(), "bartholomew: ");
    app.input.take();
    typed(&mut app, "hi b");
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.input.text(), "hi barbara");
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.input.text(), "hi bartholomew");
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.input.text(), "hi bob");
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.input.text(), "hi barbara", "cycles");
    typed(&mut app, " a");
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.input.text(), "hi barbara a", "own name is not offered");
}

#[test]
fn single_line_paste_goes_into_the_input() {
    let mut app = joined();
    typed(&mut app, "say ");
    assert!(update(&mut app, Event::Paste("hello 你好".into())).is_empty());
    assert_eq!(app.input.text(), "say hello 你好");
}

#[test]
fn single_line_paste_keeps_its_spaces_and_loses_its_controls() {
    let mut app = joined();
    typed(&mut app, "say");
    update(
        &mut app,
        Event::Paste("  two  spaces\t\u{1b}[31m \n".into()),
    );
    assert_eq!(app.input.text(), "say  two  spaces [31m ");
    let effects = update(&mut app, key(KeyCode::Enter));
    assert_eq!(
        sent(&effects),
        ["say two spaces [31m"],
        "sending trims and collapses blanks"
    );
}

#[test]
fn multi_line_paste_sends_each_line_in_order() {
    let mut app = joined();
    typed(&mut app, "> ");
    let effects = update(&mut app, Event::Paste("one\r\ntwo\n\nthree\n".into()));
    assert_eq!(sent(&effects), ["> one", "two", "three"]);
    assert!(app.input.is_empty());
}

#[test]
fn multi_line_paste_out_of_the_room_stays_in_the_input() {
    let mut app = joined();
    update(&mut app, Event::Net(NetEvent::Closed("reset".into())));
    update(&mut app, Event::Net(NetEvent::RetryIn(3)));
    typed(&mut app, "draft ");
    let effects = update(&mut app, Event::Paste("one\n\ttwo  \n".into()));
    assert!(sent(&effects).is_empty());
    assert_eq!(waiting(&app), ["draft one", "two"], "nothing is lost");
    assert!(app.input.is_empty());
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, line("-- you are alice"));
    assert_eq!(
        sent(&drain(&mut app)),
        ["draft one", "two"],
        "sent on joining"
    );
}

#[test]
fn a_paste_that_quits_halfway_keeps_the_rest() {
    let mut app = joined();
    let effects = update(&mut app, Event::Paste("hi\n/quit\nlater\nagain".into()));
    assert_eq!(sent(&effects), ["hi", "/quit"]);
    assert_eq!(waiting(&app), ["later", "again"], "not sent after the quit");
    assert!(!app.wants_send_slot());
}

#[test]
fn a_paste_while_choosing_a_name_uses_only_its_first_line() {
    let mut app = App::default();
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, line("! name \"alice\" is taken, choose another"));
    let effects = update(&mut app, Event::Paste("\nbobby\nhello there\n".into()));
    assert_eq!(effects, [Effect::Send("bobby".into())]);
    assert_eq!((app.name.as_str(), &app.link), ("bobby", &Link::Joining));
    assert_eq!(waiting(&app), ["hello there"], "the rest waits");
}

// ---- scrolling -------------------------------------------------------------

fn chatty_app(lines: usize) -> App {
    let mut app = joined();
    app.size = (80, 24);
    for i in 0..lines {
        update(&mut app, line(&format!("bob: line {i}")));
    }
    app
}

#[test]
fn page_up_and_down_and_end() {
    let mut app = chatty_app(100);
    update(&mut app, key(KeyCode::PageUp));
    assert_eq!(app.scroll, 19, "a page is the view height less one");
    update(&mut app, key(KeyCode::PageDown));
    assert_eq!(app.scroll, 0);
    update(&mut app, key(KeyCode::PageUp));
    update(&mut app, key(KeyCode::End));
    assert_eq!((app.scroll, app.unseen), (0, 0));
}

#[test]
fn scroll_stops_at_the_oldest_line() {
    let mut app = chatty_app(30);
    for _ in 0..10 {
        update(&mut app, key(KeyCode::PageUp));
    }
    // 30 entries plus the connect note, online and you-are lines, 20 rows shown.
    assert_eq!(app.scroll, app.entries.len() - 20);
}

#[test]
fn new_lines_do_not_move_a_scrolled_view() {
    let mut app = chatty_app(100);
    update(&mut app, Event::Scroll(2));
    assert_eq!(app.scroll, 6);
    update(&mut app, line("bob: new one"));
    update(&mut app, line("bob: and another"));
    assert_eq!((app.scroll, app.unseen), (8, 2));
    update(&mut app, Event::Scroll(-5));
    assert_eq!((app.scroll, app.unseen), (0, 0));
}

#[test]
fn sending_returns_to_live() {
    let mut app = chatty_app(100);
    update(&mut app, key(KeyCode::PageUp));
    typed(&mut app, "hi");
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.scroll, 0);
}

#[test]
fn scrollback_is_bounded() {
    let mut app = joined();
    for i in 0..SCROLLBACK_LINES + 50 {
        app.push(Body::Note(i.to_string()));
    }
    assert_eq!(app.entries.len(), SCROLLBACK_LINES);
}

#[test]
fn resize_keeps_the_scroll_in_range() {
    let mut app = chatty_app(30);
    update(&mut app, key(KeyCode::PageUp));
    update(&mut app, Event::Resize(300, 100));
    assert_eq!(app.size, (300, 100));
    assert!(app.scroll <= 1);
}

// ---- connection --------------------------------------------------------------

#[test]
fn dropped_link_reconnects_with_backoff_and_the_same_name() {
    let mut app = joined();
    update(&mut app, line("-- alice is now known as Alicia"));
    let effects = update(&mut app, Event::Net(NetEvent::Closed("reset".into())));
    assert_eq!(
        effects,
        [Effect::Connect {
            name: "Alicia".into(),
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
            name: "Alicia".into(),
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
            name: "alice".into(),
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
            name: "alice".into(),
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
            name: "alice".into(),
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
            name: "alice".into(),
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

// ---- lines that wait -------------------------------------------------------

#[test]
fn lines_typed_while_away_go_out_one_by_one_never_glued() {
    let mut app = joined();
    update(&mut app, Event::Net(NetEvent::Closed("reset".into())));
    typed(&mut app, "first line");
    update(&mut app, key(KeyCode::Enter));
    typed(&mut app, "/msg bob secret words");
    update(&mut app, key(KeyCode::Enter));
    assert!(app.input.is_empty(), "each Enter empties the input line");
    assert_eq!(waiting(&app), ["first line", "/msg bob secret words"]);
    update(&mut app, Event::Net(NetEvent::Connected));
    let mut effects = update(&mut app, line("-- you are alice"));
    effects.extend(drain(&mut app));
    effects.extend(update(&mut app, key(KeyCode::Enter)));
    assert_eq!(sent(&effects), ["first line", "/msg bob secret words"]);
}

#[test]
fn a_paste_onto_waiting_lines_stays_apart() {
    let mut app = joined();
    update(&mut app, line("-- bye (idle)"));
    update(&mut app, Event::Net(NetEvent::Closed("eof".into())));
    typed(&mut app, "first line");
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, Event::Paste("/msg bob secret\nsecond\n".into()));
    assert_eq!(waiting(&app), ["first line", "/msg bob secret", "second"]);
    update(&mut app, Event::Net(NetEvent::Connected));
    update(&mut app, line("-- you are alice"));
    typed(&mut app, "typed after");
    let mut effects = update(&mut app, key(KeyCode::Enter));
    effects.extend(drain(&mut app));
    assert_eq!(
        sent(&effects),
        ["first line", "/msg bob secret", "second", "typed after"],
        "in the order entered"
    );
}

// ---- signals and suspend ---------------------------------------------------

#[test]
fn signals_from_outside_leave_as_a_quit_does() {
    for signal in [Signal::Terminate, Signal::Hangup, Signal::Interrupt] {
        let mut app = joined();
        assert_eq!(update(&mut app, Event::Signal(signal)), [Effect::Exit]);
    }
    let mut app = joined();
    assert_eq!(
        update(&mut app, Event::Signal(Signal::Quit)),
        [Effect::Abort]
    );
}

#[test]
fn ctrl_z_suspends() {
    let mut app = joined();
    typed(&mut app, "draft");
    assert_eq!(update(&mut app, ctrl('z')), [Effect::Suspend]);
    assert_eq!(app.input.text(), "draft");
}

// ---- long pastes -----------------------------------------------------------

fn numbered(count: usize) -> String {
    (1..=count).map(|i| format!("line {i}\n")).collect()
}

#[test]
fn a_paste_of_ten_lines_goes_at_once() {
    let mut app = joined();
    let effects = update(&mut app, Event::Paste(numbered(10)));
    assert_eq!(sent(&effects).len(), 10);
    assert!(app.paste.is_none());
}

#[test]
fn a_long_paste_asks_first_and_esc_drops_it() {
    let mut app = joined();
    assert!(update(&mut app, Event::Paste(numbered(11))).is_empty());
    assert_eq!(app.paste.as_ref().map(Vec::len), Some(11));
    assert!(!app.wants_send_slot(), "nothing goes before Enter");
    typed(&mut app, "x");
    assert!(app.input.is_empty(), "other keys wait for the answer");
    update(&mut app, key(KeyCode::Esc));
    assert!(app.paste.is_none() && app.outbox.is_empty());
    assert!(last_text(&app).contains("paste of 11 lines not sent"));
}

#[test]
fn a_long_paste_goes_out_one_slot_at_a_time_and_esc_stops_it() {
    let mut app = joined();
    update(&mut app, Event::Paste(numbered(20_000)));
    assert!(update(&mut app, key(KeyCode::Enter)).is_empty());
    assert_eq!(
        sent(&update(&mut app, Event::SendSlot)),
        ["line 1"],
        "one line per slot"
    );
    update(&mut app, Event::SendSlot);
    assert_eq!(app.outbox.progress(), Some((2, 20_000)));
    update(&mut app, key(KeyCode::Esc));
    assert!(!app.wants_send_slot());
    assert!(last_text(&app).contains("19998 waiting lines not sent"));
}

// ---- a server that does not speak chatty -----------------------------------

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

// ---- the users pane at scale -----------------------------------------------

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

// ---- readline keys, help, over-long lines ----------------------------------

fn ctrl_key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::CONTROL))
}

#[test]
fn kill_and_yank() {
    let mut app = joined();
    typed(&mut app, "hello big world");
    update(&mut app, alt('b'));
    update(&mut app, ctrl('k'));
    assert_eq!(app.input.text(), "hello big ");
    update(&mut app, ctrl('a'));
    update(&mut app, ctrl('y'));
    assert_eq!(app.input.text(), "worldhello big ");
    update(&mut app, ctrl('a'));
    update(&mut app, alt('d'));
    assert_eq!(app.input.text(), " big ");
    update(&mut app, key(KeyCode::End));
    update(&mut app, ctrl('y'));
    assert_eq!(app.input.text(), " big worldhello");
    update(
        &mut app,
        Event::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::ALT)),
    );
    assert_eq!(app.input.text(), " big ");
}

#[test]
fn ctrl_b_f_and_ctrl_arrows_move() {
    let mut app = joined();
    typed(&mut app, "one two three");
    update(&mut app, ctrl('b'));
    assert_eq!(app.input.cursor(), 12);
    update(&mut app, ctrl('f'));
    assert_eq!(app.input.cursor(), 13);
    update(&mut app, ctrl_key(KeyCode::Left));
    assert_eq!(app.input.cursor(), 8);
    update(&mut app, ctrl_key(KeyCode::Left));
    assert_eq!(app.input.cursor(), 4);
    update(&mut app, ctrl_key(KeyCode::Right));
    assert_eq!(app.input.cursor(), 7);
}

#[test]
fn help_lists_the_client_keys_and_clear() {
    let mut app = joined();
    typed(&mut app, "/help");
    assert_eq!(sent(&update(&mut app, key(KeyCode::Enter))), ["/help"]);
    let notes: Vec<String> = app
        .entries
        .iter()
        .map(|e| format!("{:?}", e.body))
        .collect();
    let all = notes.join("\n");
    for needle in ["/clear", "Ctrl-K", "Ctrl-Y", "Alt-D", "Ctrl-Z", "Esc"] {
        assert!(all.contains(needle), "{needle} in {all}");
    }
}

#[test]
fn a_line_over_the_servers_limit_comes_back_to_the_input() {
    let mut app = joined();
    let long = "x".repeat(5000);
    typed(&mut app, &long);
    update(&mut app, key(KeyCode::Enter));
    assert!(app.input.is_empty());
    update(
        &mut app,
        line("! line too long (over 4096 bytes), not sent"),
    );
    assert_eq!(app.input.text(), long);
    assert!(last_text(&app).contains("over the server's limit"));
}
