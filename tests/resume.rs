//! Protocol 1.1 resume over real TCP: ghosts cut by a proxy, held seats,
//! their expiry, exact skipped counts and netcat-style `/resume TOKEN`.

mod support;

use std::time::Duration;

use chatty::protocol::{Tagged, Tags};
use chatty::server::Config;
use support::proxy::Proxy;
use support::{LineClient, TestServer, WELCOME, config};

fn token(tags: &Tags) -> String {
    tags.session.clone().expect("a session tag")
}

/// The seq of a tagged room line.
fn seq_of(line: &str) -> u64 {
    Tagged::parse(line).tags.seq.expect("a seq tag")
}

/// The line without its tag block.
fn untagged(line: &str) -> String {
    assert!(line.starts_with('@'), "tagged: {line}");
    line.split_once(' ').expect("a tag block").1.to_owned()
}

/// Closes the client's side and waits until the server let the
/// connection go (a tagged member's seat is then held).
async fn drop_link(mut client: LineClient) {
    client.shutdown().await;
    client.expect_end().await;
}

/// A new connection that sends `/tags` (if `tags`) and `/resume ...`.
async fn resume(server: &TestServer, tags: bool, resume: &str) -> LineClient {
    let mut client = server.greeted().await;
    if tags {
        client.send("/tags").await;
        client.expect("-- tags on").await;
    }
    client.send(resume).await;
    client
}

#[tokio::test]
async fn a_ghost_is_replaced_and_the_new_link_gets_exactly_what_it_missed() {
    let server = TestServer::start(config()).await;
    let mut bob = server.join("bob").await;
    let mut proxy = Proxy::start(server.addr).await;
    let mut alice = proxy.connect().await;
    let tags = alice.login_tagged("alice").await;
    bob.expect("-- alice has arrived").await;
    bob.send("one").await;
    let one = alice.next_line().await.expect("one");
    assert_eq!(untagged(&one), "bob: one");
    assert_eq!(seq_of(&one), tags.seq.expect("seq") + 1);

    proxy.cut();
    assert_eq!(alice.next_line().await, None, "the client's link is gone");
    bob.send("two").await;
    bob.send("/me three").await;
    bob.expect_lines(&["bob: one", "bob: two", "* bob three"])
        .await;

    let resumed = format!("/resume {} {}", token(&tags), seq_of(&one));
    let mut again = resume(&server, true, &resumed).await;
    let you_are = again.next_line().await.expect("you are");
    let new = Tagged::parse(&you_are).tags;
    assert_eq!(untagged(&you_are), "-- you are alice");
    assert_eq!(new.epoch, tags.epoch);
    assert_eq!(new.seq, Some(seq_of(&one) + 2), "the room's last seq");
    assert_ne!(new.session, tags.session, "tokens rotate on every resume");
    again
        .expect_lines(&["-- online (2): alice, bob", "-- resumed (2)"])
        .await;
    let two = again.next_line().await.expect("two");
    let three = again.next_line().await.expect("three");
    assert_eq!(
        (untagged(&two), untagged(&three)),
        ("bob: two".into(), "* bob three".into())
    );
    assert_eq!(
        (seq_of(&two), seq_of(&three)),
        (seq_of(&one) + 1, seq_of(&one) + 2)
    );
    again.expect("-- end of resumed").await;

    let mut ghost = proxy.ghost().await;
    let before_bye = ghost.read_until("-- bye (resumed elsewhere)").await;
    assert!(before_bye.len() <= 2, "{before_bye:?}");
    ghost.expect_end().await;
    assert!(bob.sync().await.is_empty(), "bob notices nothing");

    again.send("still here").await;
    bob.expect("alice: still here").await;
    let mut stale = resume(&server, false, &format!("/resume {}", token(&tags))).await;
    stale
        .expect("! cannot resume: unknown or expired session")
        .await;
    stale.send("carol").await;
    stale.expect("-- you are carol").await;
    server.stop().await;
}

#[tokio::test]
async fn a_held_seat_expires_with_connection_lost() {
    let server = TestServer::start(Config {
        resume_window: Some(Duration::from_secs(1)),
        ..config()
    })
    .await;
    let mut bob = server.join("bob").await;
    let mut alice = server.connect().await;
    let tags = alice.login_tagged("alice").await;
    bob.expect("-- alice has arrived").await;
    drop_link(alice).await;
    bob.send("/names").await;
    bob.expect("-- online (2): alice, bob").await;
    bob.expect("-- alice has left (connection lost)").await;
    let mut late = resume(&server, false, &format!("/resume {}", token(&tags))).await;
    late.expect("! cannot resume: unknown or expired session")
        .await;
    server.stop().await;
}

#[tokio::test]
async fn an_enormous_window_holds_the_seat_without_overflowing() {
    let server = TestServer::start(Config {
        resume_window: Some(Duration::MAX),
        ..config()
    })
    .await;
    let mut bob = server.join("bob").await;
    let mut alice = server.connect().await;
    let tags = alice.login_tagged("alice").await;
    bob.expect("-- alice has arrived").await;
    drop_link(alice).await;
    let seq = tags.seq.expect("seq");
    let mut again = resume(&server, false, &format!("/resume {} {seq}", token(&tags))).await;
    again
        .expect_lines(&[
            "-- you are alice",
            "-- online (2): alice, bob",
            "-- resumed (0)",
        ])
        .await;
    assert!(bob.sync().await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn without_tags_or_window_a_broken_link_leaves_at_once() {
    let server = TestServer::start(Config {
        resume_window: None,
        ..config()
    })
    .await;
    let mut bob = server.join("bob").await;
    let mut alice = server.connect().await;
    alice.login_tagged("alice").await;
    bob.expect("-- alice has arrived").await;
    drop_link(alice).await;
    bob.expect("-- alice has left").await;
    let carol = server.join("carol").await;
    bob.expect("-- carol has arrived").await;
    drop_link(carol).await;
    bob.expect("-- carol has left").await;
    server.stop().await;
}

#[tokio::test]
async fn skipped_counts_are_exact_with_a_small_queue() {
    let server = TestServer::start(Config {
        queue_lines: 6,
        ..config()
    })
    .await;
    let mut bob = server.join("bob").await;
    let mut alice = server.connect().await;
    let tags = alice.login_tagged("alice").await;
    bob.expect("-- alice has arrived").await;
    drop_link(alice).await;
    let said: Vec<String> = (0..10).map(|i| format!("bob: line {i}")).collect();
    // One at a time: bob's own queue is small too.
    for (i, line) in said.iter().enumerate() {
        bob.send(&format!("line {i}")).await;
        bob.expect(line).await;
    }

    let seq = tags.seq.expect("seq");
    let mut again = resume(&server, true, &format!("/resume {} {seq}", token(&tags))).await;
    again.next_line().await.expect("you are");
    again.expect("-- online (2): alice, bob").await;
    let start = again.next_line().await.expect("resumed");
    let kept: usize = start
        .strip_prefix("-- resumed (")
        .and_then(|rest| rest.strip_suffix(')'))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("{start}"));
    let skipped = again.next_line().await.expect("skipped");
    let lost: usize = skipped
        .strip_suffix(" messages skipped")
        .and_then(|count| count.strip_prefix("-- "))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("{skipped}"));
    assert!(kept > 0 && lost > 0, "{kept} kept, {lost} lost");
    assert_eq!(kept + lost, 10, "every missed line is sent or counted");
    for expected in &said[10 - kept..] {
        let line = again.next_line().await.expect("missed line");
        assert_eq!(&untagged(&line), expected);
    }
    again.expect("-- end of resumed").await;
    server.stop().await;
}

#[tokio::test]
async fn netcat_style_resume_starts_after_the_last_line_written() {
    let server = TestServer::start(config()).await;
    let mut bob = server.join("bob").await;
    let mut alice = server.connect().await;
    let tags = alice.login_tagged("alice").await;
    bob.expect("-- alice has arrived").await;
    bob.send("seen").await;
    alice.next_line().await.expect("seen");
    alice.sync().await;
    drop_link(alice).await;
    bob.send("a").await;
    bob.send("b").await;
    bob.sync().await;

    let mut again = resume(&server, false, &format!("/resume {}", token(&tags))).await;
    again
        .expect_lines(&[
            "-- you are alice",
            "-- online (2): alice, bob",
            "-- resumed (2)",
            "bob: a",
            "bob: b",
            "-- end of resumed",
        ])
        .await;
    again.send("/session").await;
    let session = again.next_line().await.expect("session");
    let new = session
        .strip_prefix("-- session ")
        .expect("-- session TOKEN");
    assert_eq!(new.len(), 32);
    assert_ne!(new, token(&tags));

    // A ghost without tags: the token from /session resumes it too.
    let mut third = resume(&server, false, &format!("/resume {new}")).await;
    again.expect("-- bye (resumed elsewhere)").await;
    again.expect_end().await;
    third
        .expect_lines(&[
            "-- you are alice",
            "-- online (2): alice, bob",
            "-- resumed (0)",
            "-- end of resumed",
        ])
        .await;
    assert!(bob.sync().await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_bad_resume_is_refused_and_login_goes_on() {
    let server = TestServer::start(config()).await;
    let mut alice = server.connect().await;
    let tags = alice.login_tagged("alice").await;
    let mut client = server.greeted().await;
    client.send("/resume").await;
    client.expect("! usage: /resume TOKEN [SEQ]").await;
    client
        .send(&format!("/resume {} 999999", token(&tags)))
        .await;
    client
        .expect("! cannot resume: the room never reached seq 999999")
        .await;
    client
        .send("/resume 0123456789abcdef0123456789abcdef")
        .await;
    client
        .expect("! cannot resume: unknown or expired session")
        .await;
    client.send("bob").await;
    client.expect("-- you are bob").await;
    let arrived = alice.next_line().await.expect("arrival");
    assert_eq!(untagged(&arrived), "-- bob has arrived");
    let mut nobody = LineClient::connect(server.addr).await;
    nobody.expect(WELCOME).await;
    server.stop().await;
}
