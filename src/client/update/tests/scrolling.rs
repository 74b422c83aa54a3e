//! Scrolling the message view.

use super::*;

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
    // Two lines and the read marker left where the view was scrolled away.
    assert_eq!((app.scroll, app.unseen), (9, 2));
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
