//! `Room::handle`, driven without sockets or a runtime: each member's
//! outbox is read back as wire text.

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::server::outbox::{Budget, OutboxReceiver, outbox};

pub(super) struct Client {
    pub id: ConnId,
    pub queue: OutboxReceiver,
    pub kicked: CancellationToken,
}

impl Client {
    /// Every line delivered since the last call, without newlines.
    pub fn lines(&mut self) -> Vec<String> {
        self.queue
            .take_queued()
            .iter()
            .map(|line| {
                String::from_utf8_lossy(line)
                    .trim_end_matches('\n')
                    .to_owned()
            })
            .collect()
    }
}

pub(super) fn settings() -> Settings {
    Settings {
        max_line_bytes: 100,
        queue_lines: 16,
        queue_bytes: 4096,
        resume_window: Some(std::time::Duration::from_secs(60)),
        max_held: 2,
        backlog_budget: usize::MAX,
    }
}

pub(super) fn room() -> Room {
    Room::new(History::in_memory(3), settings())
}

pub(super) fn step(room: &mut Room, request: Request) {
    room.handle(request);
}

fn try_join(room: &mut Room, name: &str) -> Result<Client, (Name, OutboxReceiver)> {
    try_join_tagged(room, name, false)
}

pub(super) fn try_join_tagged(
    room: &mut Room,
    name: &str,
    tags: bool,
) -> Result<Client, (Name, OutboxReceiver)> {
    let (sender, queue) = outbox(16, 4096, &Budget::unlimited());
    let (reply, mut answer) = oneshot::channel();
    let name = Name::parse(name).expect("valid name");
    step(
        room,
        Request::Join {
            peer: "127.0.0.1:1".parse().expect("addr"),
            name,
            outbox: sender,
            tags,
            reply,
        },
    );
    match answer.try_recv().expect("join answered") {
        JoinReply::Joined { id, kicked } => Ok(Client { id, queue, kicked }),
        JoinReply::Taken { name, .. } | JoinReply::Banned { name, .. } => Err((name, queue)),
        JoinReply::Refused { reason, .. } => panic!("refused: {reason}"),
        JoinReply::Unavailable { .. } => panic!("a room alone is always available"),
    }
}

pub(super) fn join(room: &mut Room, name: &str) -> Client {
    try_join(room, name).unwrap_or_else(|_| panic!("{name} could not join"))
}

pub(super) fn say(room: &mut Room, client: &Client, line: &str) {
    step(
        room,
        Request::Command {
            id: client.id,
            command: Command::parse(line),
        },
    );
}

/// alice and bob in the room, their welcome lines read.
pub(super) fn alice_and_bob() -> (Room, Client, Client) {
    let mut room = room();
    let mut alice = join(&mut room, "alice");
    let mut bob = join(&mut room, "bob");
    alice.lines();
    bob.lines();
    (room, alice, bob)
}

#[test]
fn newcomer_gets_name_and_roster_and_others_the_arrival() {
    let mut room = room();
    let mut alice = join(&mut room, "alice");
    assert_eq!(alice.lines(), ["-- you are alice", "-- online (1): alice"]);
    let mut bob = join(&mut room, "Bob");
    assert_eq!(bob.lines(), ["-- you are Bob", "-- online (2): alice, Bob"]);
    assert_eq!(alice.lines(), ["-- Bob has arrived"]);
}

#[test]
fn taken_names_fold_case_and_width() {
    let (mut room, _alice, _bob) = alice_and_bob();
    for name in ["alice", "ALICE", "ａｌｉｃｅ"] {
        let (name_back, _) = try_join(&mut room, name).err().expect("taken");
        assert_eq!(name_back.as_str(), name);
    }
}

#[test]
fn taken_names_compare_confusable_skeletons() {
    let (mut room, _alice, mut bob) = alice_and_bob();
    for name in ["a1ice", "аӏісе"] {
        let (name_back, _) = try_join(&mut room, name).err().expect("taken");
        assert_eq!(name_back.as_str(), name);
    }
    say(&mut room, &bob, "/nick a1ice");
    assert_eq!(bob.lines(), ["! name \"a1ice\" is taken, choose another"]);
    say(&mut room, &bob, "/nick rnary");
    bob.lines();
    assert!(try_join(&mut room, "mary").is_err(), "m looks like rn");
    let mut bob2 = join(&mut room, "b0b");
    assert_eq!(bob2.lines()[1], "-- online (3): alice, b0b, rnary");
}

#[test]
fn a_mixed_script_look_alike_of_a_member_is_taken() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    say(&mut room, &bob, "/nick аlice");
    assert_eq!(bob.lines(), ["! name \"аlice\" is taken, choose another"]);
    say(&mut room, &alice, "/nick аlice");
    assert_eq!(
        alice.lines(),
        ["! name \"аlice\" is invalid: 'а' (U+0430) is Cyrillic and does not mix with Latin"]
    );
    say(&mut room, &bob, "/nick bоb");
    assert_eq!(
        bob.lines(),
        ["! name \"bоb\" is invalid: 'о' (U+043E) is Cyrillic and does not mix with Latin"]
    );
}

#[test]
fn messages_find_their_recipient_by_skeleton() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    say(&mut room, &alice, "/msg b0b hi");
    assert_eq!(alice.lines(), ["! no user named \"b0b\""]);
    say(&mut room, &alice, "/msg a1ice hi");
    assert_eq!(alice.lines(), ["alice -> alice: hi"]);
    assert!(bob.lines().is_empty());
}

#[test]
fn newcomer_gets_history_framed() {
    let (mut room, alice, _bob) = alice_and_bob();
    for text in ["one", "two", "/me waves", "four"] {
        say(&mut room, &alice, text);
    }
    say(&mut room, &alice, "/ping");
    let mut carol = join(&mut room, "carol");
    assert_eq!(
        carol.lines(),
        [
            "-- you are carol",
            "-- online (3): alice, bob, carol",
            "-- history (3)",
            "alice: two",
            "* alice waves",
            "alice: four",
            "-- end of history",
        ]
    );
}

#[test]
fn history_replay_fits_the_newcomers_queue() {
    let mut room = Room::new(History::in_memory(50), settings());
    let alice = join(&mut room, "alice");
    for i in 0..50 {
        say(&mut room, &alice, &format!("line {i}"));
    }
    // Each queue holds 16 lines: 4 go to the frame, 12 to the history.
    let mut carol = join(&mut room, "carol");
    let lines = carol.lines();
    assert_eq!(lines[2], "-- history (12)");
    assert_eq!(lines[3], "alice: line 38");
    assert_eq!(lines[14], "alice: line 49");
    assert_eq!(lines[15], "-- end of history");
    assert_eq!(
        carol.queue.take_skipped(),
        0,
        "nothing of the block was skipped"
    );
}

#[test]
fn messages_and_actions_reach_everyone_including_the_sender() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    say(&mut room, &alice, "Hi!");
    say(&mut room, &alice, "/me waves");
    say(&mut room, &alice, "//slash");
    for client in [&mut alice, &mut bob] {
        assert_eq!(
            client.lines(),
            ["alice: Hi!", "* alice waves", "alice: /slash"]
        );
    }
}

#[test]
fn private_messages_reach_only_both_ends() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    let mut carol = join(&mut room, "carol");
    carol.lines();
    alice.lines();
    bob.lines();
    say(&mut room, &alice, "/msg BOB psst");
    assert_eq!(alice.lines(), ["alice -> bob: psst"]);
    assert_eq!(bob.lines(), ["alice -> bob: psst"]);
    assert!(carol.lines().is_empty());
    say(&mut room, &alice, "/msg nobody hi");
    assert_eq!(alice.lines(), ["! no user named \"nobody\""]);
    say(&mut room, &alice, "/msg alice note to self");
    assert_eq!(alice.lines(), ["alice -> alice: note to self"]);
}

#[test]
fn nick_renames_and_frees_the_old_name() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    say(&mut room, &bob, "/nick robert");
    assert_eq!(alice.lines(), ["-- bob is now known as robert"]);
    assert_eq!(bob.lines(), ["-- bob is now known as robert"]);
    let mut bob2 = join(&mut room, "bob");
    assert_eq!(bob2.lines()[1], "-- online (3): alice, bob, robert");
}

#[test]
fn nick_refusals_and_case_changes() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    say(&mut room, &bob, "/nick ALICE");
    assert_eq!(bob.lines(), ["! name \"ALICE\" is taken, choose another"]);
    say(&mut room, &bob, "/nick -bad");
    assert_eq!(
        bob.lines(),
        ["! name \"-bad\" is invalid: it must start with a letter or digit"]
    );
    say(&mut room, &bob, "/nick bob");
    assert!(bob.lines().is_empty(), "same name is a silent no-op");
    say(&mut room, &bob, "/nick ｂｏｂ");
    assert_eq!(
        bob.lines(),
        ["! name \"ｂｏｂ\" is taken, choose another"],
        "width is not case"
    );
    say(&mut room, &bob, "/nick Bob");
    assert_eq!(alice.lines(), ["-- bob is now known as Bob"]);
    say(&mut room, &bob, "/nick");
    assert_eq!(
        bob.lines(),
        ["-- bob is now known as Bob", "! usage: /nick NEW"]
    );
}

#[test]
fn names_ping_help_and_unknown() {
    let (mut room, mut alice, _bob) = alice_and_bob();
    say(&mut room, &alice, "/who");
    say(&mut room, &alice, "/ping");
    say(&mut room, &alice, "/dance\x1b[31m now");
    assert_eq!(
        alice.lines(),
        [
            "-- online (2): alice, bob",
            "-- pong",
            "! unknown command \"/dance[31m\", try /help"
        ]
    );
    say(&mut room, &alice, "/help");
    let help = alice.lines();
    assert!(help.len() >= 8, "{help:?}");
    assert!(help.iter().all(|line| line.starts_with("-- ")));
    for command in ["/names", "/nick", "/me", "/msg", "/quit", "/ping", "/help"] {
        assert!(
            help.iter().any(|line| line.contains(command)),
            "{command} missing"
        );
    }
}

#[test]
fn quit_says_bye_then_tells_the_rest() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    say(&mut room, &bob, "/quit see you");
    assert_eq!(bob.lines(), ["-- bye (quit)"]);
    assert!(bob.queue.is_closed(), "the room let go of bob's outbox");
    assert!(bob.kicked.is_cancelled());
    assert_eq!(alice.lines(), ["-- bob has left (quit: see you)"]);
    let mut bob2 = join(&mut room, "bob");
    assert_eq!(bob2.lines()[0], "-- you are bob");
}

#[test]
fn leave_reasons() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    let mut carol = join(&mut room, "carol");
    alice.lines();
    step(
        &mut room,
        Request::Leave {
            id: bob.id,
            reason: Leave::Idle,
        },
    );
    assert_eq!(bob.lines(), ["-- carol has arrived", "-- bye (idle)"]);
    step(
        &mut room,
        Request::Leave {
            id: carol.id,
            reason: Leave::TooSlow,
        },
    );
    assert_eq!(
        carol.lines()[..2],
        [
            "-- you are carol".to_owned(),
            "-- online (3): alice, bob, carol".to_owned()
        ]
    );
    say(&mut room, &alice, "/quit");
    assert_eq!(
        alice.lines(),
        [
            "-- bob has left (idle)",
            "-- carol has left (too slow)",
            "-- bye (quit)"
        ]
    );
}

#[test]
fn a_closed_connection_leaves_without_reason() {
    let (mut room, mut alice, bob) = alice_and_bob();
    step(
        &mut room,
        Request::Leave {
            id: bob.id,
            reason: Leave::Closed,
        },
    );
    assert_eq!(alice.lines(), ["-- bob has left"]);
    step(
        &mut room,
        Request::Leave {
            id: bob.id,
            reason: Leave::Closed,
        },
    );
    assert!(alice.lines().is_empty(), "a second leave is ignored");
}

#[test]
fn too_long_and_usage_errors_go_to_the_sender_only() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    step(&mut room, Request::TooLong { id: alice.id });
    say(&mut room, &alice, "/me");
    say(&mut room, &alice, "/msg bob");
    assert_eq!(
        alice.lines(),
        [
            "! line too long (over 100 bytes), not sent",
            "! usage: /me TEXT",
            "! usage: /msg NAME TEXT"
        ]
    );
    assert!(bob.lines().is_empty());
}

#[test]
fn shutdown_says_bye_to_everyone() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    room.close_all(ByeReason::ShuttingDown);
    for client in [&mut alice, &mut bob] {
        assert_eq!(client.lines(), ["-- bye (server shutting down)"]);
        assert!(client.queue.is_closed());
    }
}

#[test]
fn a_full_outbox_skips_without_blocking_the_room() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    for i in 0..40 {
        say(&mut room, &alice, &format!("line {i}"));
    }
    assert_eq!(bob.lines().len(), 16, "the queue holds 16 lines");
    assert_eq!(bob.queue.take_skipped(), 24, "the rest were counted");
    alice.lines();
    say(&mut room, &alice, "after");
    assert_eq!(bob.lines(), ["alice: after"]);
}

#[test]
fn replies_are_never_skipped_for_room_lines() {
    let (mut room, alice, mut bob) = alice_and_bob();
    for i in 0..40 {
        say(&mut room, &alice, &format!("line {i}"));
    }
    for command in ["/ping", "/names", "/nosuch"] {
        say(&mut room, &bob, command);
    }
    let lines = bob.lines();
    assert_eq!(lines.len(), 16 + 4, "{lines:?}");
    assert_eq!(
        lines[16..],
        [
            "-- 24 messages skipped",
            "-- pong",
            "-- online (2): alice, bob",
            "! unknown command \"/nosuch\", try /help",
        ],
        "the count of what was skipped comes first: /ping is a barrier"
    );
}

#[test]
fn a_client_whose_replies_pile_up_is_too_slow() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    for _ in 0..300 {
        say(&mut room, &bob, "/ping");
    }
    let lines = bob.lines();
    assert_eq!(lines.last().map(String::as_str), Some("-- bye (too slow)"));
    assert!(bob.kicked.is_cancelled());
    assert_eq!(alice.lines(), ["-- bob has left (too slow)"]);
}

#[test]
fn an_unknown_member_id_never_panics_the_room() {
    let (mut room, mut alice, _bob) = alice_and_bob();
    let gone: ConnId = 999;
    for line in [
        "hi",
        "/me waves",
        "/msg alice psst",
        "/msg ghost hi",
        "/nick casper",
        "/ignore alice",
        "/away",
        "/session",
    ] {
        let command = Command::parse(line);
        step(&mut room, Request::Command { id: gone, command });
    }
    step(&mut room, Request::TooLong { id: gone });
    let reason = Leave::Closed;
    step(&mut room, Request::Leave { id: gone, reason });
    assert!(alice.lines().is_empty(), "nobody hears of a ghost");
}

#[test]
fn names_replies_share_one_rendered_roster_until_it_changes() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    say(&mut room, &alice, "/names");
    say(&mut room, &bob, "/names");
    let (first, second) = (alice.queue.take_queued(), bob.queue.take_queued());
    assert_eq!(first, second);
    assert_eq!(first[0].as_ptr(), second[0].as_ptr(), "one buffer, shared");
    let mut carol = join(&mut room, "carol");
    carol.lines();
    alice.lines();
    say(&mut room, &alice, "/names");
    assert_eq!(alice.lines(), ["-- online (3): alice, bob, carol"]);
}

#[test]
fn replies_are_metered_for_flood_control() {
    let (mut room, mut alice, _bob) = alice_and_bob();
    let meter = alice.queue.meter();
    assert_eq!(meter.take(), 0, "the welcome is not charged");
    say(&mut room, &alice, "hello");
    assert_eq!(meter.take(), 0, "room lines are not replies");
    say(&mut room, &alice, "/names");
    let roster = "-- online (2): alice, bob\n".len();
    say(&mut room, &alice, "/ping");
    assert_eq!(meter.take(), roster + "-- pong\n".len());
    assert_eq!(meter.take(), 0, "each byte is charged once");
    alice.lines();
}
