//! The Redis keys of one room, all under its prefix.

use anyhow::Context as _;
use redis::aio::MultiplexedConnection;

use crate::server::room::snapshot::Snapshot;

/// Every key a room uses.
#[derive(Debug)]
pub struct Keys {
    prefix: String,
    /// The stream: one entry per room event, its id `SEQ-0`.
    pub log: String,
    /// The last seq given.
    pub seq: String,
    /// The current epoch.
    pub epoch: String,
    /// Name skeleton -> member id: who holds which name.
    pub names: String,
    /// Member id -> its name's skeleton: who is in the room.
    pub members: String,
    /// The nodes that have (or had) members.
    pub nodes: String,
    /// The room's state at a seq (fields `seq`, `state`), so the stream
    /// can be trimmed before it.
    pub snapshot: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Keys {
        let key = |name: &str| format!("{prefix}:{name}");
        Keys {
            prefix: prefix.to_owned(),
            log: key("log"),
            seq: key("seq"),
            epoch: key("epoch"),
            names: key("names"),
            members: key("members"),
            nodes: key("nodes"),
            snapshot: key("snapshot"),
        }
    }

    /// A node's lease: present while the node is alive.
    pub fn lease(&self, node: u64) -> String {
        format!("{}:lease:{node}", self.prefix)
    }

    /// The last batch number a node ran (or gave up).
    pub fn fence(&self, node: u64) -> String {
        format!("{}:fence:{node}", self.prefix)
    }

    /// The result of a node's last batch.
    pub fn result(&self, node: u64) -> String {
        format!("{}:result:{node}", self.prefix)
    }

    /// The snapshot kept for `epoch`, if any (one of another epoch is
    /// stale and ignored).
    pub async fn snapshot(
        &self,
        conn: &mut MultiplexedConnection,
        epoch: &str,
    ) -> anyhow::Result<Option<Snapshot>> {
        let state: Option<String> = redis::cmd("HGET")
            .arg(&self.snapshot)
            .arg("state")
            .query_async(conn)
            .await
            .context("Redis refused the room's snapshot")?;
        let Some(state) = state else { return Ok(None) };
        let snapshot: Snapshot =
            serde_json::from_str(&state).context("the room's snapshot is unreadable")?;
        Ok((snapshot.epoch == epoch).then_some(snapshot))
    }

    /// The room's epoch, made by the first node to ask.
    pub async fn epoch(&self, conn: &mut MultiplexedConnection) -> anyhow::Result<String> {
        let fresh = crate::server::room::token::random_epoch();
        let (epoch,): (Option<String>,) = redis::pipe()
            .cmd("SET")
            .arg(&self.epoch)
            .arg(fresh)
            .arg("NX")
            .ignore()
            .cmd("GET")
            .arg(&self.epoch)
            .query_async(conn)
            .await
            .context("Redis refused the room's epoch")?;
        epoch.context("the room's epoch vanished as it was made")
    }
}
