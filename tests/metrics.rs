//! `/metrics` scraped over HTTP and parsed with a real Prometheus text
//! parser, after known traffic; `/stats` over TCP.

mod support;

use std::net::SocketAddr;

use chatty::server::{self, Config};
use prometheus_parse::{Scrape, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use support::{DEADLINE, LineClient, config};

/// A server with `/metrics` on its own loopback port.
struct MetricsServer {
    addr: SocketAddr,
    metrics: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
}

impl MetricsServer {
    async fn start(config: Config) -> MetricsServer {
        let listener = server::bind("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("bind");
        let metrics = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let metrics_addr = metrics.local_addr().expect("addr");
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(server::serve(
            listener,
            Some(metrics),
            config,
            shutdown.clone(),
        ));
        MetricsServer {
            addr,
            metrics: metrics_addr,
            shutdown,
            task,
        }
    }

    async fn join(&self, name: &str) -> LineClient {
        let mut client = LineClient::connect(self.addr).await;
        client.login(name).await;
        client
    }

    async fn stop(self) {
        self.shutdown.cancel();
        let ended = timeout(DEADLINE, self.task).await.expect("stops in time");
        ended.expect("task").expect("server result");
    }
}

/// Sends `request` raw and returns the whole response.
async fn http(addr: SocketAddr, request: &[u8]) -> String {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request).await.expect("send");
        stream.shutdown().await.expect("half-close");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.expect("read");
        String::from_utf8(response).expect("UTF-8")
    };
    timeout(DEADLINE, exchange).await.expect("answered in time")
}

async fn scrape(addr: SocketAddr) -> Scrape {
    let response = http(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let (head, body) = response.split_once("\r\n\r\n").expect("head and body");
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(
        head.contains("Content-Type: application/openmetrics-text"),
        "{head}"
    );
    assert!(body.ends_with("# EOF\n"), "{body}");
    Scrape::parse(body.lines().map(|line| Ok(line.to_owned()))).expect("parses")
}

/// The value of `metric` with the label `reason` (if given).
fn value(scrape: &Scrape, metric: &str, reason: Option<&str>) -> f64 {
    let sample = scrape
        .samples
        .iter()
        .find(|s| s.metric == metric && reason.is_none_or(|r| s.labels.get("reason") == Some(r)))
        .unwrap_or_else(|| panic!("{metric} {reason:?} in {:?}", scrape.samples));
    match &sample.value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
        other => panic!("{metric} is {other:?}"),
    }
}

/// The observation count of histogram `metric`.
fn observations(scrape: &Scrape, metric: &str) -> f64 {
    let sample = scrape.samples.iter().find(|s| s.metric == metric);
    match sample.map(|s| &s.value) {
        Some(Value::Histogram(buckets)) => buckets
            .iter()
            .find(|b| b.less_than == f64::INFINITY)
            .map(|b| b.count)
            .expect("+Inf bucket"),
        other => panic!("{metric} is {other:?}"),
    }
}

#[tokio::test]
async fn a_scrape_shows_the_traffic() {
    let server = MetricsServer::start(config()).await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    for text in ["one", "two", "three"] {
        alice.send(text).await;
    }
    assert_eq!(
        alice.sync().await.len(),
        4,
        "bob's arrival and three messages"
    );
    bob.expect_lines(&["alice: one", "alice: two", "alice: three"])
        .await;
    bob.sync().await;
    let seen = scrape(server.metrics).await;
    assert_eq!(value(&seen, "chatty_members", None), 2.0);
    assert_eq!(value(&seen, "chatty_connections", None), 2.0);
    assert_eq!(value(&seen, "chatty_lines_received_total", None), 5.0);
    assert_eq!(value(&seen, "chatty_skipped_lines_total", None), 0.0);
    let deliveries = value(&seen, "chatty_deliveries_total", None);
    // Each client's greeting, `you are` and roster, bob's arrival to
    // alice, three messages to both, two pongs.
    assert_eq!(deliveries, 2.0 * 3.0 + 1.0 + 6.0 + 2.0);
    assert_eq!(observations(&seen, "chatty_queue_lines"), deliveries);
    // Two arrivals (alice's to nobody) and three messages.
    assert_eq!(observations(&seen, "chatty_broadcast_seconds"), 5.0);
    value(&seen, "chatty_flood_throttled_seconds_total", None);

    alice.send("/quit").await;
    alice.expect("-- bye (quit)").await;
    bob.expect("-- alice has left (quit)").await;
    bob.sync().await;
    let seen = scrape(server.metrics).await;
    assert_eq!(value(&seen, "chatty_members", None), 1.0);
    assert_eq!(value(&seen, "chatty_disconnects_total", Some("quit")), 1.0);
    server.stop().await;
}

#[tokio::test]
async fn refusals_and_timeouts_are_counted_by_reason() {
    let server = MetricsServer::start(Config {
        max_per_address: 1,
        exempt: Vec::new().into(),
        ..config()
    })
    .await;
    let mut alice = server.join("alice").await;
    let mut refused = LineClient::connect(server.addr).await;
    refused.expect("-- bye (too many connections)").await;
    refused.expect_end().await;
    alice.sync().await;
    let seen = scrape(server.metrics).await;
    let reason = Some("too many connections");
    assert_eq!(value(&seen, "chatty_disconnects_total", reason), 1.0);
    server.stop().await;
}

#[tokio::test]
async fn only_get_metrics_is_served_and_requests_are_bounded() {
    let server = MetricsServer::start(config()).await;
    let not_found = http(server.metrics, b"GET / HTTP/1.1\r\n\r\n").await;
    assert!(not_found.starts_with("HTTP/1.1 404 "), "{not_found}");
    let post = http(server.metrics, b"POST /metrics HTTP/1.1\r\n\r\n").await;
    assert!(post.starts_with("HTTP/1.1 405 "), "{post}");
    let huge = [b"GET /metrics HTTP/1.1\r\nX: ".as_slice(), &[b'x'; 9000]].concat();
    let refused = http(server.metrics, &huge).await;
    assert!(refused.starts_with("HTTP/1.1 431 "), "{refused}");
    server.stop().await;
}

#[tokio::test]
async fn stats_answers_with_one_notice() {
    let server = MetricsServer::start(config()).await;
    let mut alice = server.join("alice").await;
    alice.send("hello").await;
    alice.expect("alice: hello").await;
    alice.send("/stats").await;
    let stats = alice.next_line().await.expect("stats");
    let rest = stats.strip_prefix("-- uptime ").expect(&stats);
    assert!(
        rest.contains(", members 1, lines 2, deliveries "),
        "{stats}"
    );
    assert!(rest.ends_with(", skips 0"), "{stats}");
    alice.send("/ping").await;
    alice.expect("-- pong").await;
    server.stop().await;
}

/// Reads the server's log until it says where the metrics are.
fn metrics_address(stderr: &mut impl std::io::BufRead) -> SocketAddr {
    let mut line = String::new();
    loop {
        line.clear();
        let read = stderr.read_line(&mut line).expect("log");
        assert!(read > 0, "the log ended before the metrics address");
        if let Some(at) = line.find("metrics on http://") {
            let addr = &line[at + 18..];
            let addr = addr.trim().strip_suffix("/metrics").expect("path");
            return addr.parse().expect("address");
        }
    }
}

#[tokio::test]
async fn the_binary_serves_metrics_and_limits_with_its_flags() {
    let args = [
        "--metrics",
        "127.0.0.1:0",
        "--exempt",
        "none",
        "--max-per-address",
        "1",
    ];
    let (server, mut stderr) = support::ServerProcess::start_with_stderr(&args);
    let metrics = tokio::task::spawn_blocking(move || metrics_address(&mut stderr));
    let metrics = timeout(DEADLINE, metrics)
        .await
        .expect("in time")
        .expect("read");
    let mut alice = LineClient::connect(server.addr).await;
    alice.login("alice").await;
    let mut refused = LineClient::connect(server.addr).await;
    refused.expect("-- bye (too many connections)").await;
    refused.expect_end().await;
    alice.sync().await;
    let seen = scrape(metrics).await;
    assert_eq!(value(&seen, "chatty_members", None), 1.0);
    let reason = Some("too many connections");
    assert_eq!(value(&seen, "chatty_disconnects_total", reason), 1.0);
}

#[tokio::test]
async fn flood_control_pauses_are_counted() {
    let server = MetricsServer::start(Config {
        rate: 100,
        burst: 1,
        ..config()
    })
    .await;
    let mut alice = server.join("alice").await;
    alice.send_bytes(b"one\ntwo\nthree\n").await;
    alice
        .expect_lines(&["alice: one", "alice: two", "alice: three"])
        .await;
    let seen = scrape(server.metrics).await;
    let throttled = value(&seen, "chatty_flood_throttled_seconds_total", None);
    assert!(throttled > 0.0, "{throttled}");
    server.stop().await;
}
