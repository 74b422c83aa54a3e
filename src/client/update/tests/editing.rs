//! The line editor's keys, help, signals and suspend.

use super::*;

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

#[test]
fn signals_from_outside_leave_as_a_quit_does() {
    for signal in [Signal::Terminate, Signal::Hangup, Signal::Interrupt] {
        let mut app = joined();
        assert_eq!(
            update(&mut app, Event::Signal(signal)),
            [Effect::Send("/quit".into()), Effect::QuitSoon]
        );
        assert_eq!(
            update(&mut app, Event::Signal(signal)),
            [Effect::Exit],
            "twice: now"
        );
        let mut app = App::default();
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
fn ctrl_b_and_ctrl_arrows_move() {
    // Ctrl-F searches (as in a browser), so Right moves forward.
    let mut app = joined();
    typed(&mut app, "one two three");
    update(&mut app, ctrl('b'));
    assert_eq!(app.input.cursor(), 12);
    update(&mut app, key(KeyCode::Right));
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

#[test]
fn a_line_the_room_could_not_order_comes_back_to_the_input() {
    let mut app = joined();
    typed(&mut app, "important words");
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, line("! the room is unavailable, try again"));
    assert_eq!(app.input.text(), "important words");
    assert!(last_text(&app).contains("not sent"), "{}", last_text(&app));
}

#[test]
fn a_name_the_room_could_not_take_yet_is_offered_again() {
    let mut app = joined();
    app.link = Link::Joining;
    update(&mut app, line("! the room is unavailable, try again"));
    assert_eq!(app.link, Link::ChoosingName);
    assert_eq!(app.input.text(), app.name);
    assert!(
        last_text(&app).contains("press Enter"),
        "{}",
        last_text(&app)
    );
}
