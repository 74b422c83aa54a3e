//! The reader: hands every entry of the room's stream to the room, in
//! order, from where it last read, across lost connections; notices when
//! Redis lost the stream (a new epoch) and says how far behind it is.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use redis::Value;
use redis::aio::MultiplexedConnection;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::{Keys, connect};
use crate::protocol::{Seq, Stamp, Timestamp};
use crate::server::room::event::{Control, Entry, Event};
use crate::server::room::log::LogItem;

/// Most entries read at once.
const COUNT: usize = 1024;
/// How long one read waits for news (then the epoch is checked).
const BLOCK: Duration = Duration::from_millis(1000);
/// How often the epoch (and the lag) is checked while entries flow.
const CHECK: Duration = Duration::from_secs(2);
const RETRY: Duration = Duration::from_millis(250);

static EPOCH: std::sync::LazyLock<redis::Script> =
    std::sync::LazyLock::new(|| redis::Script::new(include_str!("epoch.lua")));

/// Where a reader starts: the epoch, and the seq it has (a snapshot's).
pub struct Start {
    /// The epoch, shared with the writer (which orders only in it).
    pub epoch: watch::Sender<String>,
    pub after: Seq,
}

pub struct Reader {
    client: redis::Client,
    keys: Arc<Keys>,
    node: u64,
    epoch: String,
    shared_epoch: watch::Sender<String>,
    /// The id of the last entry handed over: its seq, and its place
    /// among the control entries after it (0: the numbered entry).
    last: Seq,
    last_sub: u64,
    items: mpsc::Sender<Vec<LogItem>>,
}

impl Reader {
    pub fn new(
        client: redis::Client,
        keys: Arc<Keys>,
        node: u64,
        start: Start,
        items: mpsc::Sender<Vec<LogItem>>,
    ) -> Reader {
        Reader {
            client,
            keys,
            node,
            epoch: start.epoch.borrow().to_owned(),
            shared_epoch: start.epoch.clone(),
            last: start.after,
            last_sub: 0,
            items,
        }
    }

    pub async fn run(mut self, stop: CancellationToken) {
        let mut lost_at: Option<Instant> = None;
        while !stop.is_cancelled() {
            let read = tokio::select! {
                () = stop.cancelled() => break,
                read = self.read_until_error(&mut lost_at) => read,
            };
            if let Err(err) = read {
                if lost_at.is_none() {
                    tracing::warn!(node = self.node, last = self.last, "lost Redis: {err:#}");
                    lost_at = Some(Instant::now());
                }
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(RETRY) => {}
                }
            }
        }
    }

    /// Connects and reads until something fails.
    async fn read_until_error(&mut self, lost_at: &mut Option<Instant>) -> anyhow::Result<()> {
        let mut conn = connect(&self.client, Some(BLOCK * 3)).await?;
        self.check(&mut conn).await?;
        if let Some(since) = lost_at.take() {
            let away = since.elapsed();
            tracing::info!(
                node = self.node,
                last = self.last,
                ?away,
                "Redis is back: reading on"
            );
        }
        let mut checked = Instant::now();
        loop {
            let (read, last) = self.read(&mut conn).await?;
            let first = read.iter().find(|(id, _)| id.1 == 0).map(|(id, _)| id.0);
            let mut items = Vec::new();
            if first.is_some_and(|seq| seq > self.last + 1) {
                items.push(self.reload(&mut conn).await?);
            }
            let reloaded = (self.last, self.last_sub);
            if let Some(last) = last.filter(|last| *last > reloaded) {
                (self.last, self.last_sub) = last;
            }
            let fresh = read.into_iter().filter(|(id, _)| *id > reloaded);
            items.extend(fresh.map(|(_, item)| item));
            if !items.is_empty() && self.items.send(items).await.is_err() {
                return Ok(()); // the room is gone
            }
            if checked.elapsed() >= CHECK {
                self.check(&mut conn).await?;
                checked = Instant::now();
            }
        }
    }

    /// Reads the entries after the last one, waiting up to `BLOCK`.
    async fn read(&mut self, conn: &mut MultiplexedConnection) -> anyhow::Result<Read> {
        let reply: Value = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(COUNT)
            .arg("BLOCK")
            .arg(BLOCK.as_millis() as u64)
            .arg("STREAMS")
            .arg(&self.keys.log)
            .arg(format!("{}-{}", self.last, self.last_sub))
            .query_async(conn)
            .await?;
        entries(reply)
    }

    /// The stream was trimmed past what this node read (it fell far
    /// behind): it goes on from the snapshot kept beside it.
    async fn reload(&mut self, conn: &mut MultiplexedConnection) -> anyhow::Result<LogItem> {
        let snapshot = self.keys.snapshot(conn, &self.epoch).await?;
        let snapshot = snapshot.context("the stream was trimmed but no snapshot is kept")?;
        tracing::warn!(
            node = self.node,
            last = self.last,
            snapshot = snapshot.applied,
            "fell behind the trimmed stream: going on from its snapshot"
        );
        (self.last, self.last_sub) = (snapshot.applied, 0);
        Ok(LogItem::Reload(Box::new(snapshot)))
    }

    /// Whether the stream is still the one read so far: the epoch is the
    /// same and the numbering did not go back (Redis restarted without
    /// the data read). If not, a new epoch starts and the room hears so.
    async fn check(&mut self, conn: &mut MultiplexedConnection) -> anyhow::Result<()> {
        let (epoch, head): (Option<String>, Option<u64>) = redis::pipe()
            .get(&self.keys.epoch)
            .get(&self.keys.seq)
            .query_async(conn)
            .await?;
        let head = head.unwrap_or(0);
        if epoch.as_deref() == Some(self.epoch.as_str()) && head >= self.last {
            let lag = head - self.last;
            if lag > COUNT as u64 {
                tracing::info!(node = self.node, lag, "behind the stream");
            }
            return Ok(());
        }
        let fresh = crate::server::room::token::random_epoch();
        let epoch: String = EPOCH
            .key(&self.keys.epoch)
            .key(&self.keys.seq)
            .key(&self.keys.log)
            .key(&self.keys.names)
            .key(&self.keys.members)
            .key(&self.keys.snapshot)
            .arg(&self.epoch)
            .arg(fresh)
            .invoke_async(conn)
            .await?;
        tracing::warn!(node = self.node, old = %self.epoch, new = %epoch, last = self.last, head,
            "Redis lost the room's log: new epoch");
        self.epoch = epoch.clone();
        self.shared_epoch.send_replace(epoch.clone());
        (self.last, self.last_sub) = (0, 0);
        self.items
            .send(vec![LogItem::NewEpoch { epoch }])
            .await
            .context("the room is gone")
    }
}

/// The entries read, and the seq of the last one (read or skipped).
type Read = (Vec<(StreamId, LogItem)>, Option<StreamId>);

/// A stream entry's id: `SEQ-0` for a numbered entry, `SEQ-N` for the
/// control entries appended after it.
type StreamId = (Seq, u64);

/// The entries of an `XREAD` reply (nil when nothing came). An entry this
/// version cannot read is skipped, with an error in the log, so that one
/// bad entry cannot stop the room.
fn entries(reply: Value) -> anyhow::Result<Read> {
    let streams = match reply {
        Value::Nil => return Ok((Vec::new(), None)),
        Value::Array(streams) => streams,
        Value::Map(streams) => streams.into_iter().map(|(_, v)| v).collect(),
        other => anyhow::bail!("unexpected XREAD reply: {other:?}"),
    };
    let (mut out, mut last) = (Vec::new(), None);
    for stream in streams {
        let list = match stream {
            Value::Array(mut pair) if pair.len() == 2 => pair.pop(),
            other => Some(other),
        };
        let Some(Value::Array(list)) = list else {
            continue;
        };
        for item in list {
            let Value::Array(mut parts) = item else {
                anyhow::bail!("a stream entry that is not an array");
            };
            let fields = parts.pop().context("a stream entry without fields")?;
            let id: String = redis::from_redis_value(parts.pop().context("no id")?)?;
            let parsed = id
                .split_once('-')
                .and_then(|(seq, sub)| Some((seq.parse().ok()?, sub.parse().ok()?)));
            let id: StreamId = parsed.with_context(|| format!("a stream entry with id {id:?}"))?;
            last = Some(id);
            match item_of(id, fields) {
                Ok(item) => out.push((id, item)),
                Err(err) => tracing::error!(?id, "skipped an entry of the room's log: {err:#}"),
            }
        }
    }
    Ok((out, last))
}

/// One stream entry: `e` (an event) or `c` (a control), and `t` (ms).
fn item_of((seq, sub): StreamId, fields: Value) -> anyhow::Result<LogItem> {
    let fields: Vec<(String, String)> = redis::from_redis_value(fields)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if sub > 0 {
        let control: Control = serde_json::from_str(field("c").context("no control")?)
            .with_context(|| format!("entry {seq}-{sub} holds nothing this version reads"))?;
        return Ok(LogItem::Control(control));
    }
    let event: Event = serde_json::from_str(field("e").context("no event")?)
        .with_context(|| format!("entry {seq} holds no event this version reads"))?;
    let time = field("t").and_then(|t| t.parse().ok()).map(Timestamp);
    let time = time.context("an entry without its time")?;
    Ok(LogItem::Entry(Entry {
        stamp: Stamp { seq, time },
        event,
    }))
}
