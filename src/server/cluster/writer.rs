//! The writer: orders this node's events in batches through the append
//! script, one batch in flight at a time, and tells the room what was not
//! ordered.
//!
//! Nothing is sent twice and nothing is silently lost: a batch whose
//! answer was lost (the link broke, Redis restarted) is settled on the
//! next connection by the resolve script, which either finds its result
//! or makes sure it never runs. Only then are its lines refused. While
//! Redis is unreachable, or stalls past `STALL`, new talk is refused at
//! once (`! the room is unavailable, try again`); leaves and operators'
//! actions wait and land when Redis is back.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::log::{Append, Job, Jobs};
use super::{Keys, connect, outcome_unknown};
use crate::server::room::log::LogItem;
use crate::server::room::snapshot::Snapshot;

/// Most jobs in one batch.
const BATCH: usize = 512;
/// How long a batch may go unanswered before new talk is refused.
const STALL: Duration = Duration::from_secs(1);
/// Answer time past which a batch counts as lost (then it is settled).
const LOST: Duration = Duration::from_secs(30);
/// How long the last events may take to land at shutdown.
const FLUSH: Duration = Duration::from_secs(2);
/// Wait between attempts to reach Redis.
const RETRY: Duration = Duration::from_millis(250);

mod settle;

static APPEND: std::sync::LazyLock<redis::Script> =
    std::sync::LazyLock::new(|| redis::Script::new(include_str!("append.lua")));
static RESOLVE: std::sync::LazyLock<redis::Script> =
    std::sync::LazyLock::new(|| redis::Script::new(include_str!("resolve.lua")));
static SNAPSHOT: std::sync::LazyLock<redis::Script> =
    std::sync::LazyLock::new(|| redis::Script::new(include_str!("snapshot.lua")));

/// What the writer shares with the rest of the node.
pub struct Engine {
    /// Entries the stream keeps before the newest snapshot.
    pub keep_before: u64,
    pub epoch: watch::Receiver<String>,
    pub stop: CancellationToken,
}

/// The writer task's state.
pub struct Writer {
    client: redis::Client,
    keys: Arc<Keys>,
    node: u64,
    jobs: Jobs,
    items: mpsc::Sender<Vec<LogItem>>,
    conn: Option<MultiplexedConnection>,
    /// Jobs that must land, waiting for Redis.
    waiting: VecDeque<Job>,
    /// The number of the last batch sent.
    batch: u64,
    /// A batch sent whose answer was lost.
    unsettled: Option<Vec<Job>>,
    /// When the batch in flight (or unsettled) was first sent.
    sent_at: Instant,
    /// The next batch is one sent before that never ran.
    resending: bool,
    /// Entries the stream keeps before the newest snapshot.
    keep_before: u64,
    /// The room's epoch, as the reader last saw it.
    epoch: watch::Receiver<String>,
    /// Cancelled when the room is gone.
    stop: CancellationToken,
}

/// What a batch came to.
enum Outcome {
    /// The script's answer: `HEAD;r1,r2,...`.
    Ran(String),
    /// It did not run and never will.
    NotRun,
    /// Its answer was lost.
    Unknown,
}

impl Writer {
    pub fn new(
        client: redis::Client,
        keys: Arc<Keys>,
        node: u64,
        jobs: Jobs,
        items: mpsc::Sender<Vec<LogItem>>,
        engine: Engine,
    ) -> Writer {
        Writer {
            client,
            keys,
            node,
            jobs,
            items,
            conn: None,
            waiting: VecDeque::new(),
            batch: 0,
            unsettled: None,
            sent_at: Instant::now(),
            resending: false,
            keep_before: engine.keep_before,
            epoch: engine.epoch,
            stop: engine.stop,
        }
    }

    pub async fn run(mut self) {
        let stop = self.stop.clone();
        self.serve(&stop).await;
        self.flush().await;
    }

    /// At the end: what is queued (the leaves of this server's members)
    /// gets one last try, bounded in time.
    async fn flush(&mut self) {
        let last = async {
            if self.conn.is_none() {
                self.conn = connect(&self.client, Some(FLUSH)).await.ok();
            }
            if let Some(batch) = self.unsettled.take() {
                self.settle(batch).await;
            }
            let mut batch: Vec<Job> = self.waiting.drain(..).collect();
            while let Ok(job) = self.jobs.receiver.try_recv() {
                batch.push(job);
            }
            if !batch.is_empty() {
                self.send(batch).await;
            }
        };
        if tokio::time::timeout(FLUSH, last).await.is_err() {
            tracing::warn!(
                node = self.node,
                "could not hand the last events to Redis in time"
            );
        }
    }

    async fn serve(&mut self, stop: &CancellationToken) {
        while !stop.is_cancelled() {
            if self.conn.is_none() && !self.reconnect(stop).await {
                continue;
            }
            if let Some(batch) = self.unsettled.take() {
                self.settle(batch).await;
                continue;
            }
            let batch = tokio::select! {
                () = stop.cancelled() => break,
                batch = self.gather() => batch,
            };
            let Some(batch) = batch else { break };
            self.send(batch).await;
        }
    }

    /// The jobs that waited, then whatever is queued, up to `BATCH`.
    async fn gather(&mut self) -> Option<Vec<Job>> {
        let waiting = self.waiting.len().min(BATCH);
        let mut batch: Vec<Job> = self.waiting.drain(..waiting).collect();
        if batch.is_empty() {
            batch.push(self.jobs.receiver.recv().await?);
            self.jobs.queued.fetch_sub(1, Ordering::Relaxed);
        }
        while batch.len() < BATCH {
            let Ok(job) = self.jobs.receiver.try_recv() else {
                break;
            };
            self.jobs.queued.fetch_sub(1, Ordering::Relaxed);
            batch.push(job);
        }
        Some(batch)
    }

    /// Connects, refusing talk meanwhile; false if it must try again.
    async fn reconnect(&mut self, stop: &CancellationToken) -> bool {
        match connect(&self.client, Some(LOST)).await {
            Ok(conn) => {
                tracing::info!(node = self.node, "writer connected to Redis");
                self.conn = Some(conn);
                true
            }
            Err(err) => {
                tracing::debug!(node = self.node, %err, "writer cannot reach Redis");
                self.refuse_queued().await;
                tokio::select! {
                    () = stop.cancelled() => {}
                    () = tokio::time::sleep(RETRY) => {}
                }
                false
            }
        }
    }

    /// Runs one batch; refuses queued talk while it stalls.
    async fn send(&mut self, batch: Vec<Job>) {
        let (snapshots, batch): (Vec<Job>, Vec<Job>) = batch
            .into_iter()
            .partition(|job| matches!(job, Job::Snapshot(_)));
        if !batch.is_empty() {
            self.order(batch).await;
        }
        if let Some(Job::Snapshot(snapshot)) = snapshots.into_iter().last() {
            self.keep(*snapshot).await;
        }
    }

    /// Keeps the room's state beside the stream and trims the stream.
    async fn keep(&mut self, snapshot: Snapshot) {
        let Some(mut conn) = self.conn.clone() else {
            return;
        };
        let state = match serde_json::to_string(&snapshot) {
            Ok(state) => state,
            Err(err) => return tracing::error!(%err, "cannot write the room's snapshot"),
        };
        let kept = SNAPSHOT
            .key(&self.keys.snapshot)
            .key(&self.keys.log)
            .key(&self.keys.epoch)
            .arg(snapshot.applied)
            .arg(state)
            .arg(self.keep_before)
            .arg(&snapshot.epoch)
            .invoke_async::<i64>(&mut conn)
            .await;
        match kept {
            Ok(1) => tracing::info!(node = self.node, seq = snapshot.applied, "kept a snapshot"),
            Ok(_) => {}
            Err(err) => tracing::warn!(node = self.node, %err, "could not keep a snapshot"),
        }
    }

    /// Runs one batch; refuses queued talk while it stalls.
    async fn order(&mut self, batch: Vec<Job>) {
        self.batch += 1;
        if !std::mem::take(&mut self.resending) {
            self.sent_at = Instant::now();
        }
        let Some(mut conn) = self.conn.clone() else {
            return self.unanswered(batch, Outcome::NotRun).await;
        };
        let invocation = self.invocation(&batch);
        let call = invocation.invoke_async::<Option<String>>(&mut conn);
        tokio::pin!(call);
        let stall = tokio::time::sleep(STALL);
        tokio::pin!(stall);
        let mut stalled = false;
        let answer = loop {
            tokio::select! {
                answer = &mut call => break Some(answer),
                // Stopping: the batch is settled by the last flush.
                () = self.stop.cancelled() => break None,
                () = &mut stall, if !stalled => {
                    stalled = true;
                    tracing::warn!(node = self.node, "Redis is not answering: refusing new lines");
                }
                () = tokio::time::sleep(RETRY), if stalled => self.refuse_queued().await,
            }
        };
        if stalled {
            tracing::info!(node = self.node, "Redis answers again");
        }
        let outcome = match answer {
            None => Outcome::Unknown,
            Some(Ok(Some(result))) if result == "epoch" => {
                tracing::warn!(node = self.node, "a batch for an epoch Redis no longer has");
                Outcome::NotRun
            }
            Some(Ok(Some(result))) => Outcome::Ran(result),
            Some(Ok(None)) => Outcome::NotRun,
            Some(Err(err)) if outcome_unknown(&err) => {
                tracing::warn!(node = self.node, %err, "lost Redis's answer to a batch");
                self.conn = None;
                Outcome::Unknown
            }
            Some(Err(err)) => {
                tracing::warn!(node = self.node, %err, "Redis refused a batch");
                Outcome::NotRun
            }
        };
        let retry = matches!(outcome, Outcome::NotRun);
        self.unanswered(batch, outcome).await;
        if retry && !self.waiting.is_empty() {
            // What must land waits a little before it is tried again.
            tokio::time::sleep(RETRY).await;
        }
    }

    fn invocation(&self, batch: &[Job]) -> redis::ScriptInvocation<'static> {
        let keys = &self.keys;
        let mut call = APPEND.prepare_invoke();
        call.key(keys.fence(self.node))
            .key(keys.result(self.node))
            .key(&keys.seq)
            .key(&keys.log)
            .key(&keys.names)
            .key(&keys.members)
            .key(&keys.epoch);
        let appends: Vec<&Append> = batch.iter().filter_map(as_append).collect();
        let epoch = self.epoch.borrow().clone();
        call.arg(self.batch).arg(appends.len()).arg(epoch);
        for append in appends {
            let payload = append.entry.payload();
            call.arg(append.op)
                .arg(append.member)
                .arg(&append.arg)
                .arg(payload);
        }
        call
    }
}

fn as_append(job: &Job) -> Option<&Append> {
    match job {
        Job::Append(append) => Some(append),
        Job::Barrier(_) | Job::Snapshot(_) => None,
    }
}
