//! Several servers, one room: `serve --cluster` against a real
//! `redis-server` this test starts on a free loopback port (see
//! `support::redis`), over real TCP.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use chatty::server::Config;
use chatty::server::cluster::ClusterConfig;
use support::redis::{Persistence, Redis};
use support::{LineClient, ServerProcess, TestServer, config};

/// The default lease, for servers that stay up (a server that cannot
/// renew its lease stops, so a short one could stop on a busy machine).
/// A server that is killed in a test has `--cluster-lease 2s`, so that
/// its death is noticed within seconds.
const LEASE: Duration = Duration::from_secs(10);

/// Server logs in the test's output when `RUST_LOG` is set.
fn logs() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

fn node_config(redis: &Redis, lease: Duration) -> Config {
    Config {
        cluster: Some(ClusterConfig {
            url: redis.url(),
            prefix: "chatty-test".into(),
            lease,
            snapshot_every: ClusterConfig::SNAPSHOT_EVERY,
        }),
        ..config()
    }
}

async fn nodes(redis: &Redis, count: usize) -> Vec<TestServer> {
    let mut servers = Vec::new();
    for _ in 0..count {
        servers.push(TestServer::start(node_config(redis, LEASE)).await);
    }
    servers
}

/// Logs in as `name`, again while the server has not reached Redis yet.
async fn join_when_available(server: &TestServer, name: &str) -> LineClient {
    let mut client = server.greeted().await;
    loop {
        client.send(name).await;
        let line = client.next_line().await.expect("an answer");
        if line == format!("-- you are {name}") {
            break;
        }
        assert_eq!(line, "! the room is unavailable, try again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client
}

/// The lines of talk (not arrivals, leaves or notices).
fn talk(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|line| !line.starts_with("-- ") && !line.starts_with("! "))
        .cloned()
        .collect()
}

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
async fn a_killed_server_s_members_leave_once_within_the_lease() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let url = redis.url();
    let args = [
        "--cluster",
        &url,
        "--cluster-key",
        "chatty-test",
        "--cluster-lease",
        "2s",
    ];
    let mut doomed = ServerProcess::start(&args);
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
    for n in 1..=5 {
        alice.send(&format!("old news {n}")).await;
    }
    alice.sync().await;
    redis.restart();
    alice
        .expect("-- the room lost its history (new epoch): join again")
        .await;
    alice.expect("-- bye (room restarted)").await;
    alice.expect_end().await;
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
    let mut back = servers[1].greeted().await;
    back.send(&format!("/resume {token} {seq}")).await;
    back.expect("-- you are carol").await;
    back.expect("-- online (2): alice, carol").await;
    back.expect("-- resumed (0)").await;
    drop(late);
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

/// The seq of a tagged line.
fn seq_of(line: &str) -> u64 {
    let tagged = chatty::protocol::Tagged::parse(line);
    tagged.tags.seq.unwrap_or_else(|| panic!("no seq: {line}"))
}

/// The text of a tagged line, without its tags.
fn untagged(line: &str) -> String {
    line.split_once(' ')
        .map_or(line, |(_, rest)| rest)
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_server_s_tagged_member_resumes_on_another_with_what_it_missed() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let url = redis.url();
    let args = [
        "--cluster",
        &url,
        "--cluster-key",
        "chatty-test",
        "--cluster-lease",
        "2s",
    ];
    let mut doomed = ServerProcess::start(&args);
    let survivor = TestServer::start(node_config(&redis, LEASE)).await;
    let mut alice = LineClient::connect(doomed.addr).await;
    let tags = alice.login_tagged("alice").await;
    let token = tags.session.expect("a session");
    let mut dave = LineClient::connect(doomed.addr).await;
    dave.login("dave").await;
    let mut bob = survivor.join("bob").await;
    alice.next_line().await.expect("dave's arrival");
    let last = alice.next_line().await.expect("bob's arrival");
    assert!(last.ends_with("-- bob has arrived"), "{last}");
    doomed.child.kill().expect("kill -9");
    doomed.child.wait().expect("reaped");
    // The untagged member leaves; the tagged one's seat is held.
    bob.expect("-- dave has left (server lost)").await;
    bob.send("while you were out").await;
    bob.send("/msg alice psst").await;
    bob.read_until("bob -> alice: psst").await;
    let mut back = survivor.greeted().await;
    back.send("/tags").await;
    back.expect("-- tags on").await;
    back.send(&format!("/resume {token} {}", seq_of(&last)))
        .await;
    let you_are = back.next_line().await.expect("you are");
    assert!(you_are.ends_with(" -- you are alice"), "{you_are}");
    let session = chatty::protocol::Tagged::parse(&you_are).tags.session;
    assert!(session.is_some_and(|s| s != token), "a new token");
    back.expect("-- online (2): alice, bob").await;
    back.expect("-- resumed (3)").await;
    let mut missed = Vec::new();
    for _ in 0..3 {
        missed.push(untagged(&back.next_line().await.expect("a missed line")));
    }
    assert_eq!(
        missed,
        [
            "-- dave has left (server lost)",
            "bob: while you were out",
            "bob -> alice: psst"
        ]
    );
    back.expect("-- end of resumed").await;
    // Nobody else noticed anything.
    let seen = bob.sync().await;
    assert!(seen.is_empty(), "{seen:?}");
    back.send("back").await;
    bob.expect("alice: back").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_resumes_on_another_server_while_the_old_link_is_a_ghost() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let servers = nodes(&redis, 2).await;
    let mut ghost = servers[0].connect().await;
    let tags = ghost.login_tagged("alice").await;
    let (token, seq) = (tags.session.expect("session"), tags.seq.expect("seq"));
    let mut bob = servers[1].join("bob").await;
    ghost.next_line().await.expect("bob's arrival");
    let mut back = servers[1].greeted().await;
    back.send(&format!("/resume {token} {seq}")).await;
    back.expect("-- you are alice").await;
    back.expect("-- online (2): alice, bob").await;
    back.expect("-- resumed (1)").await;
    back.expect("-- bob has arrived").await;
    back.expect("-- end of resumed").await;
    ghost.expect("-- bye (resumed elsewhere)").await;
    ghost.expect_end().await;
    // The old token is used up.
    let mut again = servers[0].greeted().await;
    again.send(&format!("/resume {token} {seq}")).await;
    again
        .expect("! cannot resume: unknown or expired session")
        .await;
    let seen = bob.sync().await;
    assert!(seen.is_empty(), "{seen:?}");
    back.send("/quit").await;
    bob.expect("-- alice has left (quit)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_server_s_held_seat_is_given_up_after_the_window() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let url = redis.url();
    let args = [
        "--cluster",
        &url,
        "--cluster-key",
        "chatty-test",
        "--cluster-lease",
        "2s",
    ];
    let mut doomed = ServerProcess::start(&args);
    let config = Config {
        resume_window: Some(Duration::from_secs(1)),
        ..node_config(&redis, LEASE)
    };
    let survivor = TestServer::start(config).await;
    let mut alice = LineClient::connect(doomed.addr).await;
    alice.login_tagged("alice").await;
    let mut bob = survivor.join("bob").await;
    alice.next_line().await.expect("bob's arrival");
    doomed.child.kill().expect("kill -9");
    doomed.child.wait().expect("reaped");
    bob.expect("-- alice has left (server lost)").await;
    bob.send("/names").await;
    bob.expect("-- online (1): bob").await;
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
