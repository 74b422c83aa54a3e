//! The tightened rules and login commands of protocol 1.1 over real TCP on
//! 127.0.0.1, port 0: sanitizing, reasons, names and the HTTP refusal.

mod support;

use support::{TestServer, WELCOME, config};

/// Padding cannot push text to column 0 of a wrapped terminal row.
#[tokio::test]
async fn padded_spaces_collapse_to_one() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    alice
        .send(&format!("x{}-- bob has left", " ".repeat(2394)))
        .await;
    alice.expect("alice: x -- bob has left").await;
    alice
        .send("a\u{00A0}\u{3000}\u{2800}\u{3164}\u{2003} b")
        .await;
    alice.expect("alice: a b").await;
    server.stop().await;
}

#[tokio::test]
async fn bidi_controls_and_invisibles_are_removed() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    alice
        .send("see \u{202E}gnp.exe\u{202C} and in\u{200B}vis\u{2060}ible\u{FEFF}\u{00AD}")
        .await;
    alice.expect("alice: see gnp.exe and invisible").await;
    alice.send("/me waves\u{2067}\u{200F}").await;
    alice.expect("* alice waves").await;
    alice.send("fam\u{200D}ily 👨\u{200D}👩\u{200D}👧").await;
    alice.expect("alice: family 👨\u{200D}👩\u{200D}👧").await;
    server.stop().await;
}

/// `/quit x) -- bob has left (idle` must not forge a second notice.
#[tokio::test]
async fn a_quit_reason_loses_its_parentheses() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    alice.expect("-- bob has arrived").await;
    bob.send("/quit x) -- bob has left (idle").await;
    bob.expect("-- bye (quit)").await;
    bob.expect_end().await;
    alice
        .expect("-- bob has left (quit: x -- bob has left idle)")
        .await;
    let mut carol = server.join("carol").await;
    alice.expect("-- carol has arrived").await;
    carol.send("/quit ()").await;
    carol.expect("-- bye (quit)").await;
    alice.expect("-- carol has left (quit)").await;
    server.stop().await;
}

/// What a name error for a refused character looks like.
fn bad_char(name: &str, what: &str) -> String {
    format!("! name \"{name}\" is invalid: {what} is not allowed (use letters, digits, _ - .)")
}

/// Only a request line first, or a header right after a first line too
/// long to read, is HTTP: header-shaped names get an error and a retry.
#[tokio::test]
async fn names_that_look_like_headers_get_another_try() {
    let server = TestServer::start(config()).await;
    let mut alice = server.greeted().await;
    alice.send("a:b").await;
    alice.expect(&bad_char("a:b", "':'")).await;
    alice.send("bob: hi").await;
    alice.expect(&bad_char("bob: hi", "':'")).await;
    alice.send("Host: 127.0.0.1").await;
    alice.expect(&bad_char("Host: 127.0.0.1", "':'")).await;
    alice.send("GET / HTTP/1.1").await;
    alice.expect(&bad_char("GET / HTTP/1.1", "a space")).await;
    alice.send("alice").await;
    alice.expect("-- you are alice").await;
    server.stop().await;
}

#[tokio::test]
async fn a_request_line_first_is_still_refused() {
    let server = TestServer::start(config()).await;
    let mut browser = server.connect().await;
    browser.send("").await;
    browser.send("GET / HTTP/1.1").await;
    browser.expect(WELCOME).await;
    let refusal = browser.next_line().await.expect("refusal");
    assert!(refusal.starts_with("! this is a chat server"), "{refusal}");
    browser.expect_end().await;
    server.stop().await;
}

/// Before the name, a command is not a name and not the end of login.
#[tokio::test]
async fn commands_before_the_name_get_choose_a_name_first() {
    let server = TestServer::start(config()).await;
    let mut client = server.greeted().await;
    // `/tags` and `/resume` are login commands (tests/resume.rs).
    for command in ["/names", "/quit", "/away", "/session", "/", "//x"] {
        client.send(command).await;
        client.expect("! choose a name first").await;
    }
    client.send("alice").await;
    client.expect("-- you are alice").await;
    client.expect("-- online (1): alice").await;
    server.stop().await;
}

/// `аlice` with a Cyrillic `а` is taken while `alice` is in, and invalid
/// (naming the letter) when nobody holds a name it looks like.
#[tokio::test]
async fn a_look_alike_name_is_refused() {
    let server = TestServer::start(config()).await;
    let _alice = server.join("alice").await;
    let mut client = server.greeted().await;
    client.send("аlice").await;
    client
        .expect("! name \"аlice\" is taken, choose another")
        .await;
    client.send("a1ice").await;
    client
        .expect("! name \"a1ice\" is taken, choose another")
        .await;
    client.send("bоb").await;
    client
        .expect("! name \"bоb\" is invalid: 'о' (U+043E) is Cyrillic and does not mix with Latin")
        .await;
    client.send("Admin").await;
    client
        .expect("! name \"Admin\" is reserved for the system, choose another")
        .await;
    client.send("e\u{301}\u{302}\u{303}").await;
    client
        .expect("! name \"e\u{301}\u{302}\u{303}\" is invalid: U+0303 is a third combining mark on one letter (two at most)")
        .await;
    client.send("小明").await;
    client.expect("-- you are 小明").await;
    client.expect("-- online (2): alice, 小明").await;
    server.stop().await;
}
