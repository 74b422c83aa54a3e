//! Several servers, one room: `serve --cluster` against a real
//! `redis-server` this test starts on a free loopback port (see
//! `support::redis`), over real TCP: one order and numbering, one name
//! across servers, history, roster and private lines, the trimmed stream,
//! the flags.

mod support;

use std::collections::HashSet;

use support::cluster::{LEASE, logs, node_config, nodes, seq_of, talk, untagged};
use support::redis::{Persistence, Redis};
use support::{LineClient, TestServer};
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_clients_on_three_servers_see_one_order() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let servers = nodes(&redis, 3).await;
    let mut clients = Vec::new();
    for i in 0..300 {
        clients.push(servers[i % 3].join(&format!("c{i}")).await);
    }
    // Everyone is in once the last arrival reached the first client.
    clients[0].read_until("-- c299 has arrived").await;
    // One tagged observer per server, to compare the numbering too.
    let mut observers = Vec::new();
    for (i, server) in servers.iter().enumerate() {
        let mut observer = server.connect().await;
        observer.login_tagged(&format!("seer{i}")).await;
        observers.push(observer);
    }
    for observer in &mut observers {
        observer.sync().await;
    }
    let mut senders: Vec<LineClient> = clients.drain(..6).collect();
    let lines_each = 20;
    for n in 0..lines_each {
        for (s, sender) in senders.iter_mut().enumerate() {
            sender.send(&format!("s{s} line {n}")).await;
        }
    }
    let total = senders.len() * lines_each;
    let mut orders = Vec::new();
    for client in senders.iter_mut().chain(clients.iter_mut()) {
        let mut seen = Vec::new();
        while seen.len() < total {
            let line = client.next_line().await.expect("a line");
            if line.contains(" line ") && !line.starts_with("-- ") {
                seen.push(line);
            }
        }
        orders.push(seen);
    }
    let mut numbered = Vec::new();
    for observer in &mut observers {
        let mut seen = Vec::new();
        while seen.len() < total {
            let line = observer.next_line().await.expect("a line");
            if line.contains(" line ") {
                seen.push((seq_of(&line), untagged(&line)));
            }
        }
        numbered.push(seen);
    }
    for (i, seen) in numbered.iter().enumerate() {
        assert_eq!(
            seen, &numbered[0],
            "observer {i}: the same seq for the same line"
        );
    }
    let first_seq = numbered[0][0].0;
    let seqs: Vec<u64> = numbered[0].iter().map(|(seq, _)| *seq).collect();
    let expected: Vec<u64> = (first_seq..first_seq + total as u64).collect();
    assert_eq!(seqs, expected, "numbered without gaps");
    let first = &orders[0];
    let texts: Vec<&String> = numbered[0].iter().map(|(_, text)| text).collect();
    assert_eq!(
        texts,
        first.iter().collect::<Vec<_>>(),
        "one order, tags or not"
    );
    let distinct: HashSet<&String> = first.iter().collect();
    assert_eq!(distinct.len(), total, "every line once");
    for (i, order) in orders.iter().enumerate() {
        assert_eq!(order, first, "client {i} saw another order");
    }
    for sender in 0..6 {
        let mine: Vec<&String> = first
            .iter()
            .filter(|l| l.contains(&format!("s{sender} line ")))
            .collect();
        let expected: Vec<String> = (0..lines_each)
            .map(|n| format!("c{sender}: s{sender} line {n}"))
            .collect();
        assert_eq!(mine, expected.iter().collect::<Vec<_>>(), "sender order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_thirty_clients_racing_for_a_name_on_three_servers_one_wins() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let servers = nodes(&redis, 3).await;
    let mut racers = Vec::new();
    for i in 0..30 {
        racers.push(servers[i % 3].greeted().await);
    }
    for racer in &mut racers {
        racer.send("neo").await;
    }
    let (mut won, mut lost) = (0, 0);
    for racer in &mut racers {
        let line = racer.next_line().await.expect("an answer");
        match line.as_str() {
            "-- you are neo" => won += 1,
            "! name \"neo\" is taken, choose another" => lost += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((won, lost), (1, 29));
    // Look-alikes are taken across servers too.
    let mut late = servers[1].greeted().await;
    late.send("NEO").await;
    late.expect("! name \"NEO\" is taken, choose another").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_roster_and_private_lines_cross_servers() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let servers = nodes(&redis, 3).await;
    let mut alice = servers[0].join("alice").await;
    alice.send("one").await;
    alice.send("/me waves").await;
    alice.sync().await;
    let mut bob = servers[1].connect().await;
    bob.expect(support::WELCOME).await;
    bob.send("bob").await;
    bob.expect_lines(&[
        "-- you are bob",
        "-- online (2): alice, bob",
        "-- history (2)",
        "alice: one",
        "* alice waves",
        "-- end of history",
    ])
    .await;
    alice.expect("-- bob has arrived").await;
    bob.send("/msg alice psst").await;
    alice.expect("bob -> alice: psst").await;
    bob.expect("bob -> alice: psst").await;
    let mut carol = servers[2].join("carol").await;
    carol.read_until("-- end of history").await;
    carol.send("/names").await;
    carol.expect("-- online (3): alice, bob, carol").await;
    // /ping is a barrier across servers: what bob's server ordered
    // before carol's ping reaches carol before her pong.
    bob.send("two").await;
    let mine = bob.sync().await;
    assert!(talk(&mine).contains(&"bob: two".to_owned()), "{mine:?}");
    let seen = carol.sync().await;
    assert!(talk(&seen).contains(&"bob: two".to_owned()), "{seen:?}");
    bob.send("/nick Alice").await;
    bob.expect("! name \"Alice\" is taken, choose another")
        .await;
    alice.send("/quit").await;
    carol.read_until("-- alice has left (quit)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_is_trimmed_behind_a_snapshot_a_new_server_starts_from() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let small = |redis: &Redis| {
        let mut config = node_config(redis, LEASE);
        if let Some(cluster) = &mut config.cluster {
            cluster.snapshot_every = 10;
        }
        config
    };
    let first = TestServer::start(small(&redis)).await;
    let mut alice = first.join("alice").await;
    alice.send("/away lunch").await;
    for n in 1..=60 {
        alice.send(&format!("line {n}")).await;
    }
    alice.read_until("alice: line 60").await;
    alice.sync().await;
    let client = redis::Client::open(redis.url()).expect("client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let length: u64 = redis::cmd("XLEN")
        .arg("chatty-test:log")
        .query_async(&mut conn)
        .await
        .expect("XLEN");
    assert!(length <= 30, "the stream holds {length} entries");
    // A server started now has only the snapshot and what follows it.
    let second = TestServer::start(small(&redis)).await;
    let mut bob = second.greeted().await;
    bob.send("bob").await;
    bob.expect("-- you are bob").await;
    bob.expect("-- online (2): alice, bob").await;
    let history = bob.read_until("-- end of history").await;
    assert_eq!(history.first().map(String::as_str), Some("-- history (50)"));
    assert_eq!(history.get(1).map(String::as_str), Some("alice: line 11"));
    assert_eq!(history.last().map(String::as_str), Some("alice: line 60"));
    bob.expect("-- alice is away (lunch)").await;
    alice.send("after").await;
    bob.expect("alice: after").await;
}

/// `chatty serve` with `args`: its exit code and stderr.
fn serve_fails(args: &[&str]) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chatty"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .output()
        .expect("run chatty serve");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

#[test]
fn cluster_flags_are_checked_and_a_missing_redis_is_a_clear_error() {
    let (code, stderr) = serve_fails(&["--cluster", "http://127.0.0.1:6379"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("redis://HOST:PORT"), "{stderr}");
    let (code, stderr) = serve_fails(&["--cluster-key", "room"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--cluster"), "{stderr}");
    let (code, stderr) = serve_fails(&["--cluster", "redis://127.0.0.1:1", "--history-file", "h"]);
    assert_eq!(code, Some(2), "{stderr}");
    let (code, stderr) =
        serve_fails(&["--cluster", "redis://127.0.0.1:1", "--cluster-lease", "0s"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("between 1s and 10m"), "{stderr}");
    // Port 1 on loopback: nothing listens there.
    let (code, stderr) = serve_fails(&["--cluster", "redis://127.0.0.1:1"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot reach Redis at redis://127.0.0.1:1"),
        "{stderr}"
    );
}
