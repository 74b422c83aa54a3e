//! Enter, pastes, and the lines that wait to be sent.

use super::*;

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
        [Effect::Send("/quit see you".into()), Effect::QuitSoon]
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
    let quit = [Effect::Send("/quit".into()), Effect::QuitSoon];
    let mut app = joined();
    typed(&mut app, "draft");
    assert_eq!(
        update(&mut app, ctrl('c')),
        quit,
        "a /quit, so the seat is not held"
    );
    assert_eq!(app.link, Link::Quitting);
    let mut app = joined();
    typed(&mut app, "draft");
    update(&mut app, key(KeyCode::Home));
    assert!(update(&mut app, ctrl('d')).is_empty());
    assert_eq!(app.input.text(), "raft", "Ctrl-D deletes under the cursor");
    app.input.take();
    assert_eq!(update(&mut app, ctrl('d')), quit);
    // Not in the room: nothing to say goodbye to.
    let mut app = App::default();
    assert_eq!(update(&mut app, ctrl('c')), [Effect::Exit]);
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

#[test]
fn an_oper_password_is_not_kept_for_up() {
    let mut app = joined();
    typed(&mut app, "/oper alice s3cret");
    update(&mut app, key(KeyCode::Enter));
    typed(&mut app, "hello");
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Up));
    update(&mut app, key(KeyCode::Up));
    assert_eq!(app.input.text(), "hello");
}
