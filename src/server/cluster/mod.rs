//! One room across several servers (`serve --cluster redis://...`): the
//! room's log is a Redis stream every server appends to and reads back.
//!
//! Each server is a node with a number from Redis. Its [`ClusterLog`]
//! hands events to the writer, which orders them in batches through one
//! Lua script (names are claimed there, atomically, so exactly one of
//! many racing joins wins); the reader hands every entry of the stream,
//! its own included, to the room in the stream's order, so the same fold
//! runs over the same log on every node. The lease task keeps the node's
//! lease alive, stops the node before its lease could expire under it,
//! and reports nodes whose lease expired so their members leave.

mod keys;
mod lease;
mod log;
mod reader;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use redis::aio::MultiplexedConnection;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::server::room::log::LogItem;
use crate::server::room::snapshot::Snapshot;
pub use keys::Keys;
pub use log::ClusterLog;

/// How a node finds its room.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// `redis://HOST:PORT[/DB]`.
    pub url: String,
    /// Prefix of every key, so several rooms can share one Redis.
    pub prefix: String,
    /// How long a node's lease lasts without renewal.
    pub lease: Duration,
    /// Entries between snapshots of the room's state; the stream keeps
    /// about twice this many.
    pub snapshot_every: u64,
}

impl ClusterConfig {
    /// Entries between snapshots by default: the stream then holds at
    /// most about 20,000 entries (a few megabytes).
    pub const SNAPSHOT_EVERY: u64 = 10_000;
}

/// A node that joined its room: the log for the room, what the engine
/// hands the room, and the room's epoch.
#[derive(Debug)]
pub struct Node {
    pub number: u64,
    pub epoch: String,
    /// The room's state to start from, if one was kept.
    pub snapshot: Option<Snapshot>,
    pub log: ClusterLog,
    pub items: mpsc::Receiver<Vec<LogItem>>,
}

/// Items waiting for the room: a slow room slows the reader, never
/// grows memory.
const ITEM_BATCHES: usize = 256;

/// Connects to Redis, takes a node number, and starts the node's tasks,
/// which run until `stop` (the room is gone); `fenced` is cancelled if
/// the node must stop serving (its lease is about to run out).
pub async fn join(
    config: &ClusterConfig,
    stop: CancellationToken,
    fenced: CancellationToken,
    tracker: &TaskTracker,
) -> anyhow::Result<Node> {
    let client = client(&config.url)
        .with_context(|| format!("--cluster {}: not a Redis address", config.url))?;
    let mut conn = connect(&client, Some(Duration::from_secs(5)))
        .await
        .with_context(|| format!("cannot reach Redis at {}", config.url))?;
    let keys = Arc::new(Keys::new(&config.prefix));
    let number = lease::claim(&mut conn, &keys, config.lease).await?;
    let epoch = keys.epoch(&mut conn).await?;
    let snapshot = keys.snapshot(&mut conn, &epoch).await?;
    let after = snapshot.as_ref().map_or(0, |s| s.applied);
    tracing::info!(node = number, %epoch, url = %config.url, prefix = %config.prefix, "joined the cluster");
    let (items_tx, items) = mpsc::channel(ITEM_BATCHES);
    let (log, jobs) = ClusterLog::new(config.snapshot_every);
    let (epoch_tx, epoch_rx) = tokio::sync::watch::channel(epoch.clone());
    let engine = writer::Engine {
        keep_before: config.snapshot_every,
        epoch: epoch_rx,
        stop: stop.clone(),
    };
    let to_room = items_tx.clone();
    let writing = writer::Writer::new(client.clone(), keys.clone(), number, jobs, to_room, engine);
    tracker.spawn(writing.run());
    let start = reader::Start {
        epoch: epoch_tx,
        after,
    };
    let reading = reader::Reader::new(
        client.clone(),
        keys.clone(),
        number,
        start,
        items_tx.clone(),
    );
    tracker.spawn(reading.run(stop.clone()));
    let leasing = lease::Keeper::new(client, keys, number, config.lease, items_tx);
    tracker.spawn(leasing.run(stop, fenced));
    Ok(Node {
        number,
        epoch,
        snapshot,
        log,
        items,
    })
}

/// A client whose connections send each request at once (no Nagle delay:
/// a line waits for Redis twice, to be ordered and to be read back) and
/// give up on a peer that stopped acknowledging.
fn client(url: &str) -> redis::RedisResult<redis::Client> {
    use redis::IntoConnectionInfo as _;
    let tcp = redis::io::tcp::TcpSettings::default()
        .set_nodelay(true)
        .set_user_timeout(Duration::from_secs(10));
    let info = url.into_connection_info()?.set_tcp_settings(tcp);
    redis::Client::open(info)
}

/// A connection whose requests fail after `timeout` (`None`: never).
async fn connect(
    client: &redis::Client,
    timeout: Option<Duration>,
) -> redis::RedisResult<MultiplexedConnection> {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(timeout);
    client
        .get_multiplexed_async_connection_with_config(&config)
        .await
}

/// Whether a failed request may still have run (its answer was lost).
fn outcome_unknown(err: &redis::RedisError) -> bool {
    err.is_io_error() || err.is_timeout() || err.is_connection_dropped()
}
