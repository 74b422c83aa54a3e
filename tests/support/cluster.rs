//! Helpers of the cluster tests: servers of one room on a test's own
//! `redis-server` (see `redis`), and reading their lines.

use std::time::Duration;

use chatty::server::Config;
use chatty::server::cluster::ClusterConfig;

use super::redis::Redis;
use super::{LineClient, ServerProcess, TestServer, config};

/// The default lease, for servers that stay up (a server that cannot
/// renew its lease stops, so a short one could stop on a busy machine).
/// A server that is killed in a test has `--cluster-lease 2s`, so that
/// its death is noticed within seconds.
pub const LEASE: Duration = Duration::from_secs(10);

/// Server logs in the test's output when `RUST_LOG` is set.
pub fn logs() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

pub fn node_config(redis: &Redis, lease: Duration) -> Config {
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

pub async fn nodes(redis: &Redis, count: usize) -> Vec<TestServer> {
    let mut servers = Vec::new();
    for _ in 0..count {
        servers.push(TestServer::start(node_config(redis, LEASE)).await);
    }
    servers
}

/// Logs in as `name`, again while the server has not reached Redis yet.
pub async fn join_when_available(server: &TestServer, name: &str) -> LineClient {
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
pub fn talk(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|line| !line.starts_with("-- ") && !line.starts_with("! "))
        .cloned()
        .collect()
}

/// The seq of a tagged line.
pub fn seq_of(line: &str) -> u64 {
    let tagged = chatty::protocol::Tagged::parse(line);
    tagged.tags.seq.unwrap_or_else(|| panic!("no seq: {line}"))
}

/// The text of a tagged line, without its tags.
pub fn untagged(line: &str) -> String {
    line.split_once(' ')
        .map_or(line, |(_, rest)| rest)
        .to_owned()
}

/// A `chatty serve --cluster` process with a 2 s lease, to be killed.
pub fn doomed(redis: &Redis) -> ServerProcess {
    let url = redis.url();
    let args = [
        "--cluster",
        &url,
        "--cluster-key",
        "chatty-test",
        "--cluster-lease",
        "2s",
    ];
    ServerProcess::start(&args)
}
