//! Protocol 1.1 in `Room::handle`, without sockets: numbering, tags,
//! away, ignore, held seats and resume.

use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::tests::{Client, alice_and_bob, join, room, say, settings, step, try_join_tagged};
use super::*;
use crate::protocol::{Tagged, Tags};
use crate::server::outbox::{Budget, outbox};

fn tagged(room: &mut Room, name: &str) -> Client {
    try_join_tagged(room, name, true).unwrap_or_else(|_| panic!("{name} joins"))
}

/// The tags of every line, and the lines without them.
fn split(lines: &[String]) -> (Vec<Tags>, Vec<String>) {
    lines
        .iter()
        .map(|line| {
            let Tagged { tags, .. } = Tagged::parse(line);
            let plain = line.split_once(' ').filter(|_| line.starts_with('@'));
            (
                tags,
                plain.map_or(line.clone(), |(_, rest)| rest.to_owned()),
            )
        })
        .unzip()
}

fn leave(room: &mut Room, client: &Client) {
    let (id, reason) = (client.id, Leave::Closed);
    step(room, Request::Leave { id, reason });
}

/// Asks to resume; the reply and the new client's queue.
fn resume(room: &mut Room, token: &str, seq: Option<Seq>, tags: bool) -> Result<Client, String> {
    let (sender, queue) = outbox(16, 4096, &Budget::unlimited());
    let (reply, mut answer) = oneshot::channel();
    let token = token.to_owned();
    let peer = "127.0.0.1:2".parse().expect("addr");
    let outbox = sender;
    step(
        room,
        Request::Resume {
            token,
            seq,
            outbox,
            peer,
            tags,
            reply,
        },
    );
    match answer.try_recv().expect("resume answered") {
        JoinReply::Joined { id, kicked } => Ok(Client { id, queue, kicked }),
        JoinReply::Refused { reason, .. } => Err(reason),
        JoinReply::Taken { .. } | JoinReply::Banned { .. } | JoinReply::Unavailable { .. } => {
            panic!("a resume is never taken")
        }
    }
}

#[test]
fn a_tagged_newcomer_gets_epoch_seq_and_session_then_tagged_room_lines() {
    let (mut room, alice, mut bob) = alice_and_bob();
    let mut carol = tagged(&mut room, "carol");
    let (tags, lines) = split(&carol.lines());
    assert_eq!(
        lines,
        ["-- you are carol", "-- online (3): alice, bob, carol"]
    );
    assert_eq!(tags[0].epoch.as_deref(), Some(room.state.epoch()));
    assert_eq!(tags[0].seq, Some(3), "alice, bob, then carol arrived");
    assert_eq!(tags[0].session.as_ref().map(String::len), Some(32));
    assert!(tags[1].is_empty(), "the roster is a reply, not a room line");
    say(&mut room, &alice, "hi");
    say(&mut room, &alice, "/msg bob psst");
    say(&mut room, &alice, "after");
    let (tags, lines) = split(&carol.lines());
    assert_eq!(lines, ["alice: hi", "alice: after"]);
    let seqs: Vec<_> = tags.iter().map(|t| t.seq).collect();
    assert_eq!(seqs, [Some(4), Some(6)], "the private line took seq 5");
    assert!(tags.iter().all(|t| t.time.is_some()));
    assert_eq!(
        bob.lines(),
        [
            "-- carol has arrived",
            "alice: hi",
            "alice -> bob: psst",
            "alice: after"
        ]
    );
}

#[test]
fn history_lines_keep_their_seq_and_time_for_tagged_newcomers() {
    let (mut room, alice, _bob) = alice_and_bob();
    say(&mut room, &alice, "one");
    let mut carol = tagged(&mut room, "carol");
    let lines = carol.lines();
    assert_eq!(lines[2], "-- history (1)");
    let line = Tagged::parse(&lines[3]);
    assert_eq!(line.tags.seq, Some(3));
    assert!(lines[3].ends_with(" alice: one"), "{}", lines[3]);
}

#[test]
fn ping_is_answered_once_the_log_passed_it() {
    let (mut room, alice, mut bob) = alice_and_bob();
    say(&mut room, &alice, "one");
    say(&mut room, &bob, "/ping");
    assert_eq!(bob.lines(), ["alice: one", "-- pong"]);
    assert!(room.barriers.is_empty());
}

#[test]
fn away_lines_reach_everyone_newcomers_and_names() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    say(&mut room, &bob, "/back");
    assert_eq!(bob.lines(), ["! you are not away"]);
    say(&mut room, &bob, "/away at (lunch)");
    assert_eq!(alice.lines(), ["-- bob is away (at lunch)"]);
    say(&mut room, &alice, "/away");
    say(&mut room, &bob, "/nick robert");
    let mut carol = join(&mut room, "carol");
    let lines = carol.lines();
    assert_eq!(
        lines[2..],
        ["-- alice is away", "-- robert is away (at lunch)"]
    );
    say(&mut room, &carol, "/names");
    assert_eq!(
        carol.lines(),
        [
            "-- online (3): alice, carol, robert",
            "-- alice is away",
            "-- robert is away (at lunch)"
        ]
    );
    say(&mut room, &alice, "/back");
    assert_eq!(carol.lines(), ["-- alice is back"]);
}

#[test]
fn ignore_follows_renames_and_ends_when_the_ignored_leaves() {
    let (mut room, mut alice, mut bob) = alice_and_bob();
    say(&mut room, &alice, "/ignore");
    assert_eq!(alice.lines(), ["-- ignoring (0)"]);
    say(&mut room, &alice, "/ignore alice");
    say(&mut room, &alice, "/ignore nobody");
    say(&mut room, &alice, "/ignore BOB");
    assert_eq!(
        alice.lines(),
        [
            "! you cannot ignore yourself",
            "! no user named \"nobody\"",
            "-- ignoring bob"
        ]
    );
    say(&mut room, &bob, "/nick robert");
    say(&mut room, &bob, "hello?");
    say(&mut room, &bob, "/me waves");
    say(&mut room, &bob, "/msg alice psst");
    say(&mut room, &alice, "/ignore");
    assert_eq!(
        alice.lines(),
        ["-- bob is now known as robert", "-- ignoring (1): robert"]
    );
    assert_eq!(
        bob.lines().len(),
        4,
        "robert is not told: {:?}",
        bob.lines()
    );
    say(&mut room, &alice, "/unignore robert");
    say(&mut room, &alice, "/unignore robert");
    assert_eq!(
        alice.lines(),
        [
            "-- no longer ignoring robert",
            "! you are not ignoring robert"
        ]
    );
    say(&mut room, &alice, "/ignore robert");
    leave(&mut room, &bob);
    let mut bob2 = join(&mut room, "robert");
    say(&mut room, &bob2, "new robert");
    bob2.lines();
    say(&mut room, &alice, "/ignore");
    let lines = alice.lines();
    assert_eq!(
        lines[lines.len() - 2..],
        ["robert: new robert", "-- ignoring (0)"]
    );
}

#[test]
fn an_untagged_member_leaves_at_once() {
    let (mut room, mut alice, bob) = alice_and_bob();
    leave(&mut room, &bob);
    assert_eq!(alice.lines(), ["-- bob has left"]);
}

/// alice (plain) and a tagged bob, both welcomes read; bob's token.
fn with_tagged_bob() -> (Room, Client, Client, String) {
    let mut room = room();
    let mut alice = join(&mut room, "alice");
    let mut bob = tagged(&mut room, "bob");
    let (tags, _) = split(&bob.lines());
    alice.lines();
    let token = tags[0].session.clone().expect("a session tag");
    (room, alice, bob, token)
}

#[test]
fn a_held_seat_is_resumed_with_exactly_the_missed_lines() {
    let (mut room, mut alice, bob, token) = with_tagged_bob();
    say(&mut room, &alice, "seen");
    leave(&mut room, &bob);
    say(&mut room, &alice, "/names");
    assert_eq!(
        alice.lines(),
        ["alice: seen", "-- online (2): alice, bob"],
        "nobody is told"
    );
    say(&mut room, &alice, "one");
    say(&mut room, &alice, "/msg bob two");
    let mut bob = resume(&mut room, &token, Some(3), true).expect("resumed");
    let (tags, lines) = split(&bob.lines());
    assert_eq!(
        lines,
        [
            "-- you are bob",
            "-- online (2): alice, bob",
            "-- resumed (2)",
            "alice: one",
            "alice -> bob: two",
            "-- end of resumed"
        ]
    );
    assert_eq!(tags[0].seq, Some(5), "the room's last seq");
    assert_ne!(
        tags[0].session.as_deref(),
        Some(token.as_str()),
        "a new token"
    );
    assert_eq!((tags[3].seq, tags[4].seq), (Some(4), Some(5)));
    assert_eq!(alice.lines(), ["alice: one", "alice -> bob: two"]);
    assert_eq!(
        resume(&mut room, &token, None, false).err().as_deref(),
        Some("unknown or expired session")
    );
}

#[test]
fn lines_past_the_backlog_are_counted_exactly() {
    let (mut room, alice, bob, token) = with_tagged_bob();
    leave(&mut room, &bob);
    for i in 0..30 {
        say(&mut room, &alice, &format!("line {i}"));
    }
    let mut bob = resume(&mut room, &token, Some(2), false).expect("resumed");
    let lines = bob.lines();
    // The new queue holds 16: 5 frame lines and 11 of the 30.
    assert_eq!(lines[2..4], ["-- resumed (11)", "-- 19 messages skipped"]);
    assert_eq!(lines[4], "alice: line 19");
    assert_eq!(lines[14..], ["alice: line 29", "-- end of resumed"]);
    assert_eq!(bob.queue.take_skipped(), 0);
}

#[test]
fn a_resume_refuses_unknown_tokens_and_seqs_the_room_never_reached() {
    let (mut room, _alice, _bob, token) = with_tagged_bob();
    assert_eq!(
        resume(&mut room, "00", None, false).err().as_deref(),
        Some("unknown or expired session")
    );
    assert_eq!(
        resume(&mut room, &token, Some(99), false).err().as_deref(),
        Some("the room never reached seq 99")
    );
}

#[test]
fn a_ghost_is_told_it_resumed_elsewhere_and_nobody_else_notices() {
    let (mut room, mut alice, mut ghost, token) = with_tagged_bob();
    say(&mut room, &alice, "hi");
    ghost.lines();
    let mut bob = resume(&mut room, &token, None, false).expect("resumed");
    assert_eq!(ghost.lines(), ["-- bye (resumed elsewhere)"]);
    assert!(ghost.kicked.is_cancelled() && ghost.queue.is_closed());
    assert_eq!(bob.lines()[2..], ["-- resumed (0)", "-- end of resumed"]);
    step(
        &mut room,
        Request::Leave {
            id: ghost.id,
            reason: Leave::Idle,
        },
    );
    say(&mut room, &bob, "back");
    assert_eq!(
        alice.lines(),
        ["alice: hi", "bob: back"],
        "the ghost's late leave is ignored"
    );
}

#[test]
fn a_held_seat_expires_with_connection_lost() {
    let (mut room, mut alice, bob, _token) = with_tagged_bob();
    leave(&mut room, &bob);
    let until = room.next_expiry().expect("a seat is held");
    assert!(until > Instant::now() + Duration::from_secs(50));
    room.expire(until - Duration::from_millis(1));
    assert!(alice.lines().is_empty());
    room.expire(until);
    assert_eq!(alice.lines(), ["-- bob has left (connection lost)"]);
    assert!(room.next_expiry().is_none());
}

#[test]
fn no_window_no_hold() {
    let mut room = Room::new(
        History::in_memory(3),
        Settings {
            resume_window: None,
            ..settings()
        },
    );
    let mut alice = join(&mut room, "alice");
    let bob = tagged(&mut room, "bob");
    alice.lines();
    leave(&mut room, &bob);
    assert_eq!(alice.lines(), ["-- bob has left"]);
}

#[test]
fn session_tells_an_untagged_member_its_token() {
    let (mut room, mut alice, _bob) = alice_and_bob();
    say(&mut room, &alice, "/session");
    let lines = alice.lines();
    let token = lines[0]
        .strip_prefix("-- session ")
        .expect("session line")
        .to_owned();
    say(&mut room, &alice, "/tags");
    assert_eq!(
        alice.lines(),
        ["! that is a login command: send it before your name"]
    );
    let mut again = resume(&mut room, &token, None, false).expect("a ghost resumes");
    assert_eq!(again.lines()[0], "-- you are alice");
}

#[test]
fn the_oldest_hold_ends_early_past_the_limit() {
    let mut room = room(); // at most 2 held seats
    let mut alice = join(&mut room, "alice");
    let held: Vec<Client> = ["b1", "b2", "b3"]
        .iter()
        .map(|n| tagged(&mut room, n))
        .collect();
    alice.lines();
    for client in &held {
        leave(&mut room, client);
    }
    assert_eq!(alice.lines(), ["-- b1 has left (connection lost)"]);
}

/// A log that hands entries back only up to a released seq, as a shared
/// engine may lag behind its appends.
#[derive(Debug)]
struct LaggingLog {
    head: Seq,
    unread: std::collections::VecDeque<log::LogItem>,
    released: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl log::Log for LaggingLog {
    fn append(&mut self, event: event::Event) {
        self.head += 1;
        let time = crate::protocol::Timestamp(0);
        let stamp = crate::protocol::Stamp {
            seq: self.head,
            time,
        };
        let entry = event::Entry { stamp, event };
        self.unread.push_back(log::LogItem::Entry(entry));
    }

    fn barrier(&mut self, conn: ConnId) {
        let seq = self.head;
        self.unread.push_back(log::LogItem::Barrier { conn, seq });
    }

    fn next(&mut self) -> Option<log::LogItem> {
        let released = self.released.load(std::sync::atomic::Ordering::SeqCst);
        let seq = match self.unread.front()? {
            log::LogItem::Entry(entry) => entry.stamp.seq,
            _ => 0,
        };
        if seq <= released {
            self.unread.pop_front()
        } else {
            None
        }
    }
}

#[test]
fn only_applied_events_reach_members_and_ping_waits_for_the_log() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let released = std::sync::Arc::new(AtomicU64::new(u64::MAX));
    let log = LaggingLog {
        head: 0,
        unread: std::collections::VecDeque::new(),
        released: released.clone(),
    };
    let state = RoomState::new(History::in_memory(3));
    let mut room = Room::with_log(state, Box::new(log), settings());
    let alice = join(&mut room, "alice");
    let mut bob = join(&mut room, "bob");
    bob.lines();
    released.store(2, Ordering::SeqCst);
    say(&mut room, &alice, "one");
    say(&mut room, &bob, "/ping");
    say(&mut room, &bob, "/names");
    assert_eq!(
        bob.lines(),
        ["-- online (2): alice, bob"],
        "nothing applied yet"
    );
    released.store(u64::MAX, Ordering::SeqCst);
    step(&mut room, Request::TooLong { id: alice.id });
    assert_eq!(bob.lines(), ["alice: one", "-- pong"]);
}

#[test]
fn backlogs_together_stay_within_their_budget_and_counts_stay_exact() {
    let budget = Settings {
        backlog_budget: 400,
        ..settings()
    };
    let mut room = Room::new(History::in_memory(3), budget);
    let alice = join(&mut room, "alice");
    let mut bob = tagged(&mut room, "bob");
    let mut carol = tagged(&mut room, "carol");
    let token = split(&bob.lines()).0[0].session.clone().expect("token");
    carol.lines();
    leave(&mut room, &bob);
    leave(&mut room, &carol);
    for i in 0..10 {
        say(&mut room, &alice, &format!("line {i}"));
    }
    assert!(room.backlog_held <= 400, "{} held", room.backlog_held);
    let mut bob = resume(&mut room, &token, Some(2), false).expect("resumed");
    let lines = bob.lines();
    let kept: usize = lines[2]
        .strip_prefix("-- resumed (")
        .and_then(|rest| rest.trim_end_matches(')').parse().ok())
        .expect("-- resumed (K)");
    let lost: usize = lines[3]
        .strip_prefix("-- ")
        .and_then(|rest| rest.strip_suffix(" messages skipped"))
        .and_then(|count| count.parse().ok())
        .expect("-- N messages skipped");
    assert_eq!(kept + lost, 11, "carol's arrival and ten lines: {lines:?}");
    assert_eq!(lines[lines.len() - 2], "alice: line 9");
}
