//! The flood brake through the room's task: a reader whose queue passes
//! half its bound holds the room (its senders wait) until it drains, and
//! loses nothing; one that stays stuck holds it for the limit only.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::tests::room;
use super::*;
use crate::server::outbox::{self, Budget, OutboxReceiver};

/// `name` in the room with a queue of `lines` lines.
async fn join(
    handle: &RoomHandle,
    budget: &Arc<Budget>,
    name: &str,
    lines: usize,
) -> (ConnId, OutboxReceiver) {
    let (sender, mut queue) = outbox::outbox(lines, 1 << 20, budget);
    let name = Name::parse(name).expect("valid name");
    let reply = handle
        .join(|reply: oneshot::Sender<JoinReply>| Request::Join {
            peer: "127.0.0.1:1".parse().expect("addr"),
            name,
            outbox: sender,
            tags: false,
            reply,
        })
        .await
        .expect("room open");
    let JoinReply::Joined { id, .. } = reply else {
        panic!("not joined");
    };
    queue.take_queued();
    (id, queue)
}

fn say(id: ConnId, n: usize) -> Request {
    Request::Command {
        id,
        command: Command::parse(&format!("line {n}")),
    }
}

#[tokio::test]
async fn a_full_queue_holds_the_room_until_it_drains() {
    let budget = Budget::unlimited();
    let shutdown = CancellationToken::new();
    let (handle, _task) = start(
        room(),
        None,
        budget.brake().clone(),
        shutdown.clone(),
        &TaskTracker::new(),
    );
    let (alice, mut alice_queue) = join(&handle, &budget, "alice", 1024).await;
    let (_bob, mut bob_queue) = join(&handle, &budget, "bob", 16).await;
    // Bob does not read: at 8 of his 16 lines the brake is pressed.
    for n in 0..40 {
        handle.send(say(alice, n)).await.expect("room open");
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while budget.brake().holding_until().is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the brake was never pressed"
        );
        tokio::task::yield_now().await;
    }
    // Bob reads for a while, as a reader that stalled and came back.
    let mut got = Vec::new();
    while got.len() < 40 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "got {} of 40",
            got.len()
        );
        got.extend(bob_queue.take_queued());
        alice_queue.take_queued();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(
        bob_queue.take_skipped(),
        0,
        "nothing skipped for a reader that came back"
    );
    let text: Vec<String> = got
        .iter()
        .map(|l| String::from_utf8_lossy(l).trim_end().to_owned())
        .collect();
    assert_eq!(text[0], "alice: line 0");
    assert_eq!(text[39], "alice: line 39");
    shutdown.cancel();
}

#[tokio::test]
async fn a_stuck_reader_holds_the_room_for_the_limit_only() {
    let budget = Budget::unlimited();
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let (handle, _task) = start(
        room(),
        None,
        budget.brake().clone(),
        shutdown.clone(),
        &tracker,
    );
    let (alice, mut alice_queue) = join(&handle, &budget, "alice", 1024).await;
    let (_bob, _bob_never_reads) = join(&handle, &budget, "bob", 16).await;
    let started = tokio::time::Instant::now();
    for n in 0..40 {
        handle.send(say(alice, n)).await.expect("room open");
    }
    // Alice reads: every one of her lines comes back, bob's queue or not.
    let mut got = 0;
    while got < 40 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the room stayed held ({got} of 40)"
        );
        got += alice_queue.take_queued().len();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        started.elapsed() >= outbox::BRAKE_LIMIT,
        "it did hold for a while"
    );
    shutdown.cancel();
}
