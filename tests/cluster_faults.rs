//! Faults in a room of several servers: a server killed with SIGKILL,
//! Redis killed and restarted (with its AOF, and without its data), Redis
//! frozen with SIGSTOP, a batch whose answer was lost.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use support::cluster::{LEASE, doomed, join_when_available, logs, node_config, nodes, talk};
use support::redis::{Persistence, Redis};
use support::{LineClient, TestServer};
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_s_members_leave_once_within_the_lease() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let mut doomed = doomed(&redis);
    let survivor = TestServer::start(node_config(&redis, LEASE)).await;
    let third = TestServer::start(node_config(&redis, LEASE)).await;
    let mut alice = LineClient::connect(doomed.addr).await;
    alice.login("alice").await;
    let mut bob = survivor.join("bob").await;
    alice.expect("-- bob has arrived").await;
    let mut carol = third.join("carol").await;
    bob.expect("-- carol has arrived").await;
    doomed.child.kill().expect("kill -9");
    doomed.child.wait().expect("reaped");
    let started = std::time::Instant::now();
    bob.expect("-- alice has left (server lost)").await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // Exactly once, though both other servers notice and append it.
    carol.expect("-- alice has left (server lost)").await;
    carol.send("/names").await;
    carol.expect("-- online (2): bob, carol").await;
    let seen = bob.sync().await;
    assert!(seen.iter().all(|l| !l.contains("alice")), "{seen:?}");
    // The name is free again, on any server.
    let mut again = third.join("alice").await;
    again.send("/names").await;
    again.expect("-- online (3): alice, bob, carol").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_with_its_aof_loses_and_repeats_nothing() {
    logs();
    let Some(mut redis) = Redis::start(Persistence::Aof) else {
        return;
    };
    let servers = nodes(&redis, 2).await;
    let mut alice = servers[0].join("alice").await;
    let mut bob = servers[1].join("bob").await;
    alice.expect("-- bob has arrived").await;
    for n in 1..=5 {
        alice.send(&format!("before {n}")).await;
    }
    bob.read_until("alice: before 5").await;
    alice.read_until("alice: before 5").await;
    redis.kill();
    // Refused, or (if it went out on the dead link just now) sent again
    // once the restarted Redis says it never ran: once either way.
    alice.send("while away").await;
    redis.restart();
    // Sent until one is ordered again (the servers reconnect meanwhile).
    // Each line gets one answer, its echo or a refusal, though not
    // necessarily in the order sent.
    let (mut sent, mut echoed, mut refused) = (0, Vec::<String>::new(), 0);
    while !echoed.iter().any(|l| l.starts_with("alice: after")) {
        sent += 1;
        alice.send(&format!("after {sent}")).await;
        let line = alice.next_line().await.expect("an answer");
        match line.as_str() {
            "! the room is unavailable, try again" => refused += 1,
            echo if echo.starts_with("alice: ") => echoed.push(line),
            other => panic!("unexpected {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rest = alice.sync().await;
    refused += rest
        .iter()
        .filter(|l| l.starts_with("! the room is"))
        .count();
    echoed.extend(talk(&rest));
    assert_eq!(echoed.len() + refused, sent + 1, "one answer per line");
    let seen = talk(&bob.sync().await);
    assert_eq!(seen, echoed, "bob sees what alice's server ordered");
    let distinct: HashSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "once each: {seen:?}");
    // Same epoch, same room: bob is still in it and can talk.
    bob.send("still here").await;
    alice.expect("bob: still here").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_redis_refuses_new_lines_then_everyone_goes_on() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let servers = nodes(&redis, 2).await;
    let mut alice = servers[0].join("alice").await;
    let mut bob = servers[1].join("bob").await;
    alice.expect("-- bob has arrived").await;
    redis.freeze();
    // The first line goes out to the frozen Redis and waits for it; the
    // ones after it are refused once it has not answered for a second.
    alice.send("first").await;
    let tries = 12;
    for n in 0..tries {
        tokio::time::sleep(Duration::from_millis(200)).await;
        alice.send(&format!("try {n}")).await;
    }
    redis.thaw();
    alice.send("thawed").await;
    let answers = alice.read_until("alice: thawed").await;
    let refused = answers
        .iter()
        .filter(|l| *l == "! the room is unavailable, try again")
        .count();
    assert!(refused >= 1, "{answers:?}");
    let seen = talk(&bob.read_until("alice: thawed").await);
    // What was not refused arrives, once and in order; nothing refused does.
    assert_eq!(seen.len(), 1 + tries - refused, "{seen:?} {answers:?}");
    assert_eq!(seen[0], "alice: first");
    assert_eq!(talk(&answers), seen, "alice sees what bob sees");
    let distinct: HashSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "{seen:?}");
    bob.send("back").await;
    alice.read_until("bob: back").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_without_its_data_tells_members_their_history_is_lost() {
    logs();
    let Some(mut redis) = Redis::start(Persistence::None) else {
        return;
    };
    let servers = nodes(&redis, 2).await;
    let mut alice = servers[0].join("alice").await;
    let mut bob = servers[1].join("bob").await;
    for n in 1..=5 {
        alice.send(&format!("old news {n}")).await;
    }
    alice.sync().await;
    redis.restart();
    // Every server finds out on its own; each tells its members.
    for member in [&mut alice, &mut bob] {
        member
            .read_until("-- the room lost its history (new epoch): join again")
            .await;
        member.expect("-- bye (room restarted)").await;
        member.expect_end().await;
    }
    let mut again = join_when_available(&servers[1], "alice").await;
    again.expect("-- online (1): alice").await;
    again.sync().await;
    // A server started now is a node of its own (numbers are not a
    // counter Redis lost), and the room works across all three.
    let late = TestServer::start(node_config(&redis, LEASE)).await;
    let mut dave = join_when_available(&late, "dave").await;
    dave.expect("-- online (2): alice, dave").await;
    again.expect("-- dave has arrived").await;
    again.send("hello dave").await;
    dave.expect("alice: hello dave").await;
    dave.send("/quit").await;
    let between = again.read_until("-- dave has left (quit)").await;
    assert_eq!(between, ["alice: hello dave"]);
    // The new epoch numbers from 1 again, and resumes across servers work
    // with its seqs (nothing of the old log is held against them).
    let mut carol = servers[0].connect().await;
    let tags = carol.login_tagged("carol").await;
    let (token, seq) = (tags.session.expect("session"), tags.seq.expect("seq"));
    assert_eq!(
        seq, 5,
        "numbered afresh: alice, dave, hello, his leave, carol"
    );
    // Her token is good on other servers once it is in the log (a ping
    // on her server passes it).
    carol.sync().await;
    let mut back = servers[1].greeted().await;
    back.send(&format!("/resume {token} {seq}")).await;
    back.expect("-- you are carol").await;
    back.expect("-- online (2): alice, carol").await;
    back.expect("-- resumed (0)").await;
    drop(late);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_ran_but_whose_answer_was_lost_is_delivered_once() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    // Alice's server reaches Redis through a relay that can cut its
    // links, leaving Redis's side open: what Redis read still runs.
    let relay = support::proxy::Relay::start(redis.addr).await;
    let mut through = node_config(&redis, LEASE);
    if let Some(cluster) = &mut through.cluster {
        cluster.url = format!("redis://{}", relay.addr);
    }
    let first = TestServer::start(through).await;
    let second = TestServer::start(node_config(&redis, LEASE)).await;
    let mut alice = first.join("alice").await;
    let mut bob = second.join("bob").await;
    alice.expect("-- bob has arrived").await;
    redis.freeze();
    alice.send("in flight").await;
    // Time for the batch to reach Redis's socket (if it did not, it is
    // settled as never run: the checks below hold either way).
    tokio::time::sleep(Duration::from_millis(300)).await;
    relay.cut().await;
    redis.thaw();
    let answer = alice.next_line().await.expect("an answer");
    let ran = match answer.as_str() {
        "alice: in flight" => true,
        "! the room is unavailable, try again" => false,
        other => panic!("unexpected {other:?}"),
    };
    alice.send("after").await;
    let rest = alice.read_until("alice: after").await;
    assert!(rest.is_empty(), "one answer only: {rest:?}");
    let seen = talk(&bob.read_until("alice: after").await);
    let expected: Vec<String> = if ran {
        vec!["alice: in flight".into()]
    } else {
        Vec::new()
    };
    assert_eq!(seen, expected, "bob sees it exactly when alice does");
}
