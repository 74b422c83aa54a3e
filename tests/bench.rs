//! `chatty bench` measures: a short run against a real server process.
//! Speed is not asserted here (the machine may be busy); counts are.

mod support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use support::{ServerProcess, TestServer};

/// The whole bench run must end well within this.
const RUN_LIMIT: Duration = Duration::from_secs(30);

fn bench(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatty"))
        .arg("bench")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chatty bench");
    let start = Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            panic!("chatty bench did not end within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("bench output")
}

/// The figures of `--json` these tests look at (the object has more).
#[derive(Debug, Deserialize)]
struct Figures {
    servers: usize,
    connected: u64,
    deliveries_per_s: f64,
    latency_p99_ms: Option<f64>,
    expected: u64,
    delivered: u64,
    gaps: u64,
    reorders: u64,
    skipped_lines: u64,
    server_rss_connected: Option<f64>,
}

fn figures(output: &Output) -> Figures {
    let json = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{json}\n{stderr}");
    serde_json::from_str(&json).unwrap_or_else(|err| panic!("{err}: {json}"))
}

#[test]
fn bench_measures_a_real_server() {
    let server = ServerProcess::start(&["--rate", "0", "--history", "0"]);
    let addr = server.addr.to_string();
    let pid = server.pid().to_string();
    let output = bench(&[
        "--addr",
        &addr,
        "--name-first",
        "--clients",
        "20",
        "--senders",
        "4",
        "--rate",
        "50",
        "--warmup",
        "200ms",
        "--duration",
        "1s",
        "--pid",
        &pid,
        "--json",
    ]);
    let figures = figures(&output);
    assert!(figures.deliveries_per_s > 0.0, "{figures:?}");
    assert_eq!(figures.gaps, 0, "{figures:?}");
    assert_eq!(figures.reorders, 0, "{figures:?}");
    assert_eq!(figures.delivered, figures.expected, "{figures:?}");
    assert_eq!(figures.connected, 20, "{figures:?}");
    assert_eq!(figures.servers, 1, "{figures:?}");
    assert!(figures.latency_p99_ms > Some(0.0), "{figures:?}");
    assert!(figures.server_rss_connected > Some(0.0), "{figures:?}");
}

#[test]
fn bench_as_fast_as_possible_stays_bounded() {
    let server = ServerProcess::start(&["--rate", "0", "--history", "0"]);
    let addr = server.addr.to_string();
    let output = bench(&[
        "--addr",
        &addr,
        "--name-first",
        "--clients",
        "10",
        "--senders",
        "2",
        "--rate",
        "0",
        "--warmup",
        "0s",
        "--duration",
        "500ms",
        "--json",
    ]);
    let figures = figures(&output);
    assert!(figures.delivered > 0, "{figures:?}");
    assert_eq!(figures.gaps, 0, "{figures:?}");
    assert_eq!(figures.skipped_lines, 0, "{figures:?}");
}

#[test]
fn refused_connection_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    drop(listener);
    let output = bench(&["--addr", &addr, "--clients", "3", "--duration", "1s"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("connection refused"), "{stderr}");
}

/// `--addr A,B` spreads the clients round robin. Without a cluster the two
/// servers are two rooms, so nobody sends (`--idle`): each server's
/// watcher sees exactly its share of the clients arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_are_spread_over_the_servers() {
    let servers = [
        TestServer::start(support::config()).await,
        TestServer::start(support::config()).await,
    ];
    let mut watchers = Vec::new();
    for server in &servers {
        watchers.push(server.join("watcher").await);
    }
    let list = format!("{},{}", servers[0].addr, servers[1].addr);
    let output = tokio::task::spawn_blocking(move || {
        bench(&[
            "--addr",
            &list,
            "--name-first",
            "--clients",
            "5",
            "--idle",
            "--duration",
            "200ms",
            "--json",
        ])
    })
    .await
    .expect("bench");
    let figures = figures(&output);
    assert_eq!((figures.connected, figures.servers), (5, 2), "{figures:?}");
    for (watcher, wanted) in watchers.iter_mut().zip([[0, 2, 4].as_slice(), &[1, 3]]) {
        let mut arrived = Vec::new();
        while arrived.len() < wanted.len() {
            let line = watcher.next_line().await.expect("a line");
            let name = line
                .strip_prefix("-- ")
                .and_then(|l| l.strip_suffix(" has arrived"));
            if let Some((_, index)) = name.and_then(|name| name.rsplit_once('-')) {
                arrived.push(index.parse::<usize>().expect("client index"));
            }
        }
        arrived.sort_unstable();
        assert_eq!(arrived, wanted);
    }
    for server in servers {
        server.stop().await;
    }
}
