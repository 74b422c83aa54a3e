//! Protocol 1.1 over real TCP: room sequence numbers, tag blocks on
//! exactly the listed lines, the epoch across restarts, away and ignore.

mod support;

use chatty::protocol::{Tagged, Tags};
use chatty::server::Config;
use support::{LineClient, TestServer, config};

/// The next line split into its tags and its version 1 text.
async fn next(client: &mut LineClient) -> (Tags, String) {
    let line = client.next_line().await.expect("a line");
    let text = match line.strip_prefix('@') {
        Some(rest) => rest.split_once(' ').expect("a tag block").1.to_owned(),
        None => line.clone(),
    };
    (Tagged::parse(&line).tags, text)
}

/// Asserts the next line is `expected` with a seq and time, returns the seq.
async fn expect_room_line(client: &mut LineClient, expected: &str) -> u64 {
    let (tags, text) = next(client).await;
    assert_eq!(text, expected);
    assert!(tags.time.is_some(), "{expected} has a time");
    tags.seq.unwrap_or_else(|| panic!("{expected} has a seq"))
}

/// Asserts the next line is `expected`, numbered right after `seq`.
async fn expect_next(client: &mut LineClient, expected: &str, seq: &mut u64) {
    *seq += 1;
    assert_eq!(expect_room_line(client, expected).await, *seq, "{expected}");
}

/// Asserts the next line is exactly `expected`, without tags.
async fn expect_untagged(client: &mut LineClient, expected: &str) {
    client.expect(expected).await;
}

#[tokio::test]
async fn tags_go_on_exactly_the_room_lines_and_seqs_have_no_gaps() {
    let server = TestServer::start(config()).await;
    let mut bob = server.join("bob").await;
    bob.send("before").await;
    bob.expect("bob: before").await;
    let mut alice = server.connect().await;
    alice.expect(support::WELCOME).await;
    alice.send("/tags").await;
    alice.expect("-- tags on").await;
    alice.send("alice").await;
    let (you_are, text) = next(&mut alice).await;
    assert_eq!(text, "-- you are alice");
    let arrival = you_are.seq.expect("seq of the arrival");
    assert!(you_are.epoch.is_some() && you_are.time.is_none());
    assert_eq!(you_are.session.as_ref().map(String::len), Some(32));
    expect_untagged(&mut alice, "-- online (2): alice, bob").await;
    expect_untagged(&mut alice, "-- history (1)").await;
    assert_eq!(
        expect_room_line(&mut alice, "bob: before").await,
        arrival - 1
    );
    expect_untagged(&mut alice, "-- end of history").await;
    bob.expect("-- alice has arrived").await;

    let mut carol = server.join("carol").await;
    let mut seq = arrival;
    expect_next(&mut alice, "-- carol has arrived", &mut seq).await;
    bob.send("hi").await;
    expect_next(&mut alice, "bob: hi", &mut seq).await;
    bob.send("/me waves").await;
    expect_next(&mut alice, "* bob waves", &mut seq).await;
    bob.send("/msg carol psst").await;
    seq += 1; // a private line takes a number too
    bob.send("/msg alice psst").await;
    expect_next(&mut alice, "bob -> alice: psst", &mut seq).await;
    bob.send("/nick robert").await;
    expect_next(&mut alice, "-- bob is now known as robert", &mut seq).await;
    bob.send("/away lunch").await;
    expect_next(&mut alice, "-- robert is away (lunch)", &mut seq).await;
    bob.send("/back").await;
    expect_next(&mut alice, "-- robert is back", &mut seq).await;
    carol.send("/quit").await;
    expect_next(&mut alice, "-- carol has left (quit)", &mut seq).await;

    // Replies carry no tags.
    alice.send("/ping").await;
    expect_untagged(&mut alice, "-- pong").await;
    alice.send("/names").await;
    expect_untagged(&mut alice, "-- online (2): alice, robert").await;
    alice.send("/nope").await;
    expect_untagged(&mut alice, "! unknown command \"/nope\", try /help").await;

    // The plain client never sees a tag.
    let lines = bob.sync().await;
    assert!(lines.iter().all(|line| !line.starts_with('@')), "{lines:?}");
    assert!(lines.contains(&"bob -> carol: psst".to_owned()));
    server.stop().await;
}

#[tokio::test]
async fn seq_and_epoch_continue_across_a_restart_with_a_history_file() {
    let dir = std::env::temp_dir().join(format!("chatty-test-numbering-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("history.txt");
    let _ = std::fs::remove_file(&path);
    let with_file = || Config {
        history_file: Some(path.clone()),
        ..config()
    };
    let server = TestServer::start(with_file()).await;
    let mut alice = server.connect().await;
    let first = alice.login_tagged("alice").await;
    alice.send("one").await;
    let said = expect_room_line(&mut alice, "alice: one").await;
    alice.send("/quit").await;
    alice.expect("-- bye (quit)").await;
    server.stop().await;

    let server = TestServer::start(with_file()).await;
    let mut bob = server.greeted().await;
    bob.send("/tags").await;
    bob.expect("-- tags on").await;
    bob.send("bob").await;
    let (tags, _) = next(&mut bob).await;
    assert_eq!(tags.epoch, first.epoch, "the file keeps the epoch");
    assert_eq!(tags.seq, Some(said + 2), "alice's leave took {}", said + 1);
    expect_untagged(&mut bob, "-- online (1): bob").await;
    expect_untagged(&mut bob, "-- history (1)").await;
    assert_eq!(expect_room_line(&mut bob, "alice: one").await, said);
    server.stop().await;

    let server = TestServer::start(config()).await;
    let mut carol = server.connect().await;
    let fresh = carol.login_tagged("carol").await;
    assert_ne!(fresh.epoch, first.epoch, "without the file, a new epoch");
    assert_eq!(fresh.seq, Some(1));
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn away_lines_for_newcomers_and_names() {
    let server = TestServer::start(config()).await;
    let mut bob = server.join("bob").await;
    let mut alice = server.join("alice").await;
    bob.expect("-- alice has arrived").await;
    bob.send("/back").await;
    bob.expect("! you are not away").await;
    bob.send("/away gone (fishing)").await;
    bob.expect("-- bob is away (gone fishing)").await;
    alice.expect("-- bob is away (gone fishing)").await;
    alice.send("/away").await;
    alice.expect("-- alice is away").await;
    bob.send("/nick rob").await;
    alice.expect("-- bob is now known as rob").await;

    let mut carol = server.greeted().await;
    carol.send("carol").await;
    carol
        .expect_lines(&[
            "-- you are carol",
            "-- online (3): alice, carol, rob",
            "-- alice is away",
            "-- rob is away (gone fishing)",
        ])
        .await;
    carol.send("/who").await;
    carol
        .expect_lines(&[
            "-- online (3): alice, carol, rob",
            "-- alice is away",
            "-- rob is away (gone fishing)",
        ])
        .await;
    alice.send("/back").await;
    carol.expect("-- alice is back").await;
    server.stop().await;
}

#[tokio::test]
async fn ignore_follows_renames_and_ends_when_the_ignored_leaves() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    alice.expect("-- bob has arrived").await;
    alice.send("/ignore").await;
    alice.expect("-- ignoring (0)").await;
    alice.send("/ignore Bob").await;
    alice.expect("-- ignoring bob").await;
    bob.send("/nick rob").await;
    alice.expect("-- bob is now known as rob").await;
    bob.send("hello").await;
    bob.send("/me waves").await;
    bob.send("/msg alice psst").await;
    bob.expect_lines(&[
        "-- bob is now known as rob",
        "rob: hello",
        "* rob waves",
        "rob -> alice: psst",
    ])
    .await;
    assert!(bob.sync().await.is_empty(), "rob is not told");
    alice.send("/ignore").await;
    alice.expect("-- ignoring (1): rob").await;
    assert!(alice.sync().await.is_empty(), "nothing from rob");

    bob.send("/quit").await;
    alice.expect("-- rob has left (quit)").await;
    let mut rob = server.join("rob").await;
    alice.expect("-- rob has arrived").await;
    rob.send("a new rob").await;
    alice.expect("rob: a new rob").await;
    alice.send("/ignore").await;
    alice.expect("-- ignoring (0)").await;
    alice.send("/unignore rob").await;
    alice.expect("! you are not ignoring rob").await;
    server.stop().await;
}

#[tokio::test]
async fn help_lists_the_new_commands() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    alice.send("/help").await;
    let help = alice.sync().await;
    for command in [
        "/away",
        "/back",
        "/ignore",
        "/unignore",
        "/session",
        "/tags",
        "/resume",
    ] {
        assert!(
            help.iter().any(|line| line.contains(command)),
            "{command}: {help:?}"
        );
    }
    server.stop().await;
}
