//! Operators' commands through `Room::handle`: the password check handed
//! out and fed back, and the lines each command makes.

use std::sync::{Arc, LazyLock};

use tokio::sync::oneshot;

use super::tests::{Client, room, say};
use super::*;
use crate::server::moderation::{Moderation, Operators, hash_password};
use crate::server::outbox::outbox;

static HASH: LazyLock<String> = LazyLock::new(|| hash_password("sesame").expect("hash"));

fn moderated(exempt: &'static [ipnet::IpNet]) -> Room {
    let operators = Operators::parse(&format!("root {}", *HASH)).expect("operators");
    room().with_moderation(Moderation {
        operators: Arc::new(operators),
        exempt: std::borrow::Cow::Borrowed(exempt),
        ..Moderation::default()
    })
}

/// Joins from `peer`; `Err` holds the refusal.
fn join_from(room: &mut Room, name: &str, peer: &str) -> Result<Client, &'static str> {
    let (sender, mut queue) = outbox(16, 4096, &crate::server::outbox::Budget::unlimited());
    let (reply, mut answer) = oneshot::channel();
    room.handle(Request::Join {
        name: Name::parse(name).expect("name"),
        outbox: sender,
        peer: peer.parse().expect("peer"),
        tags: false,
        reply,
    });
    match answer.try_recv().expect("answered") {
        JoinReply::Joined { id, kicked } => {
            let mut client = Client { id, queue, kicked };
            client.lines();
            Ok(client)
        }
        JoinReply::Banned { .. } => Err("banned"),
        JoinReply::Taken { .. } | JoinReply::Refused { .. } | JoinReply::Unavailable { .. } => {
            queue.take_queued();
            Err("taken")
        }
    }
}

fn admits(room: &mut Room, addr: &str) -> bool {
    let (reply, mut answer) = oneshot::channel();
    let addr = addr.parse().expect("addr");
    room.handle(Request::Admit { addr, reply });
    answer.try_recv().expect("answered")
}

/// Runs the checks the room handed out, as its task would.
fn run_checks(room: &mut Room) {
    for check in room.take_checks() {
        room.handle(check.verify());
    }
}

fn oper(room: &mut Room, client: &mut Client) {
    client.lines();
    say(room, client, "/oper root sesame");
    run_checks(room);
    assert_eq!(client.lines(), ["-- you are an operator"]);
}

#[test]
fn oper_checks_off_the_room_and_throttles_wrong_tries() {
    let mut room = moderated(&[]);
    let mut alice = join_from(&mut room, "alice", "203.0.113.1:1").expect("joins");
    say(&mut room, &alice, "/kick alice");
    assert_eq!(alice.lines(), ["! only operators can do that"]);
    say(&mut room, &alice, "/oper root wrong");
    assert!(alice.lines().is_empty(), "no answer before the check ran");
    run_checks(&mut room);
    assert_eq!(alice.lines(), ["! wrong operator name or password"]);
    for _ in 0..2 {
        say(&mut room, &alice, "/oper nobody sesame");
    }
    say(&mut room, &alice, "/oper root sesame");
    assert_eq!(alice.lines(), ["! too many tries, wait a minute"]);
    assert_eq!(
        room.take_checks().len(),
        2,
        "the throttled try is not checked"
    );
    let mut bob = join_from(&mut room, "bob", "203.0.113.2:1").expect("joins");
    oper(&mut room, &mut bob);
}

#[test]
fn kick_ban_and_unban_make_their_lines() {
    let mut room = moderated(&[]);
    let mut root = join_from(&mut room, "sam", "203.0.113.1:1").expect("joins");
    let mut troll = join_from(&mut room, "troll", "198.51.100.7:1").expect("joins");
    root.lines();
    oper(&mut room, &mut root);
    say(&mut room, &root, "/kick troll (spam)");
    assert_eq!(troll.lines(), ["-- bye (kicked: spam)"]);
    assert!(troll.kicked.is_cancelled());
    assert_eq!(root.lines(), ["-- troll has left (kicked: spam)"]);

    let _troll = join_from(&mut room, "troll", "198.51.100.7:2").expect("back");
    root.lines();
    say(&mut room, &root, "/ban troll spam");
    assert_eq!(
        root.lines(),
        ["-- banned troll", "-- troll has left (banned: spam)"]
    );
    assert_eq!(
        join_from(&mut room, "TROLL", "192.0.2.1:1").err(),
        Some("banned")
    );
    assert!(!admits(&mut room, "198.51.100.7"), "its address came along");
    assert!(admits(&mut room, "192.0.2.1"));
    say(&mut room, &root, "/bans");
    assert_eq!(root.lines(), ["-- bans (2): troll, 198.51.100.7"]);
    say(&mut room, &root, "/unban troll");
    assert_eq!(root.lines(), ["-- unbanned troll"]);
    say(&mut room, &root, "/bans");
    assert_eq!(root.lines(), ["-- bans (0)"]);
    say(&mut room, &root, "/unban troll");
    assert_eq!(root.lines(), ["! \"troll\" is not banned"]);
    say(&mut room, &root, "/ban not/valid");
    assert_eq!(
        root.lines(),
        ["! \"not/valid\" is not a name, an address or a range"]
    );
}

#[test]
fn a_range_ban_closes_members_inside_but_never_an_operator() {
    let mut room = moderated(&[]);
    let mut root = join_from(&mut room, "sam", "10.1.2.3:1").expect("joins");
    let mut inside = join_from(&mut room, "inside", "10.9.9.9:1").expect("joins");
    let mut outside = join_from(&mut room, "outside", "11.0.0.1:1").expect("joins");
    oper(&mut room, &mut root);
    inside.lines();
    say(&mut room, &root, "/ban 10.0.0.0/8 1h");
    let lines = root.lines();
    assert!(
        lines[0].starts_with("-- banned 10.0.0.0/8 until 20"),
        "{lines:?}"
    );
    assert_eq!(lines[1..], ["-- inside has left (banned)"]);
    assert_eq!(inside.lines(), ["-- bye (banned)"]);
    assert_eq!(outside.lines(), ["-- inside has left (banned)"]);
    assert!(!admits(&mut room, "10.200.0.1"));
}

#[test]
fn an_exempt_address_is_not_banned_with_the_name() {
    let mut room = moderated(&crate::server::LOOPBACK);
    let mut root = join_from(&mut room, "sam", "127.0.0.1:1").expect("joins");
    let _troll = join_from(&mut room, "troll", "127.0.0.1:2").expect("joins");
    oper(&mut room, &mut root);
    say(&mut room, &root, "/ban troll");
    root.lines();
    say(&mut room, &root, "/bans");
    assert_eq!(root.lines(), ["-- bans (1): troll"]);
    assert!(admits(&mut room, "127.0.0.1"));
}

#[test]
fn a_muted_member_talks_to_nobody_until_unmuted() {
    let mut room = moderated(&[]);
    let mut root = join_from(&mut room, "sam", "203.0.113.1:1").expect("joins");
    let mut bob = join_from(&mut room, "bob", "203.0.113.2:1").expect("joins");
    oper(&mut room, &mut root);
    root.lines();
    say(&mut room, &root, "/mute bob 30m");
    assert_eq!(root.lines(), ["-- bob is muted"]);
    assert_eq!(bob.lines(), ["-- bob is muted"]);
    for line in ["hello", "/me waves", "/msg sam psst"] {
        say(&mut room, &bob, line);
        assert_eq!(bob.lines(), ["! you are muted"], "{line}");
    }
    assert!(root.lines().is_empty());
    say(&mut room, &root, "/unmute bob");
    assert_eq!(bob.lines(), ["-- bob is unmuted"]);
    say(&mut room, &root, "/unmute bob");
    assert_eq!(root.lines(), ["-- bob is unmuted", "! bob is not muted"]);
    say(&mut room, &bob, "hello");
    assert_eq!(root.lines(), ["bob: hello"]);
}
