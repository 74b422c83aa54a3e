//! Leases: each node keeps a key with an expiry alive; a node whose key
//! expired is dead, and the others make its members leave. A node that
//! cannot renew in time stops serving (it cancels `fenced`) before its
//! lease could run out, so no name is ever held by two nodes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use redis::aio::MultiplexedConnection;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Keys, connect};
use crate::server::room::log::LogItem;

/// Checks of a dead node after which it is forgotten.
const FORGET_AFTER: u32 = 40;

/// Takes a node number nobody holds: a random one whose lease key did not
/// exist (a counter would start again if Redis lost its data, and two
/// live servers would share a number).
pub async fn claim(
    conn: &mut MultiplexedConnection,
    keys: &Keys,
    lease: Duration,
) -> anyhow::Result<u64> {
    for _ in 0..16 {
        let node = u64::from(fastrand::u32(1..));
        let claimed: Option<String> = redis::cmd("SET")
            .arg(keys.lease(node))
            .arg(1)
            .arg("PX")
            .arg(lease.as_millis() as u64)
            .arg("NX")
            .query_async(conn)
            .await
            .context("Redis refused this node's lease")?;
        if claimed.is_some() {
            renew(conn, keys, node, lease)
                .await
                .context("Redis refused this node's lease")?;
            return Ok(node);
        }
    }
    anyhow::bail!("could not find a free node number in Redis")
}

/// Renews `node`'s lease for `lease` and lists the node.
pub async fn renew(
    conn: &mut MultiplexedConnection,
    keys: &Keys,
    node: u64,
    lease: Duration,
) -> redis::RedisResult<()> {
    redis::pipe()
        .cmd("SET")
        .arg(keys.lease(node))
        .arg(1)
        .arg("PX")
        .arg(lease.as_millis() as u64)
        .ignore()
        .sadd(&keys.nodes, node)
        .ignore()
        .query_async(conn)
        .await
}

pub struct Keeper {
    client: redis::Client,
    keys: Arc<Keys>,
    node: u64,
    lease: Duration,
    items: mpsc::Sender<Vec<LogItem>>,
    /// Nodes seen without a lease, and how many checks in a row.
    missing: HashMap<u64, u32>,
}

impl Keeper {
    pub fn new(
        client: redis::Client,
        keys: Arc<Keys>,
        node: u64,
        lease: Duration,
        items: mpsc::Sender<Vec<LogItem>>,
    ) -> Keeper {
        Keeper {
            client,
            keys,
            node,
            lease,
            items,
            missing: HashMap::new(),
        }
    }

    /// Renews every quarter lease; past three quarters without a renewal
    /// the node stops.
    pub async fn run(mut self, stop: CancellationToken, fenced: CancellationToken) {
        let every = self.lease / 4;
        let fence_after = self.lease * 3 / 4;
        let mut renewed = Instant::now();
        let mut conn: Option<MultiplexedConnection> = None;
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            if renewed.elapsed() > fence_after {
                tracing::error!(node = self.node, lease = ?self.lease,
                    "could not renew this node's lease in time: stopping, so no name is held twice");
                fenced.cancel();
                return;
            }
            if conn.is_none() {
                let connecting = connect(&self.client, Some(every));
                conn = tokio::time::timeout(every, connecting)
                    .await
                    .ok()
                    .and_then(Result::ok);
            }
            let Some(link) = conn.as_mut() else { continue };
            // The lease runs from when the renewal was sent, not answered.
            let sent = Instant::now();
            match renew(link, &self.keys, self.node, self.lease).await {
                Ok(()) => renewed = sent,
                Err(err) => {
                    tracing::warn!(node = self.node, %err, "could not renew this node's lease");
                    conn = None;
                    continue;
                }
            }
            if let Err(err) = self.look_for_dead(link).await {
                tracing::debug!(node = self.node, %err, "could not check the other nodes");
            }
        }
    }

    /// Reports each node whose lease is gone two checks in a row (a Redis
    /// that restarted empty has no leases until their nodes renew).
    async fn look_for_dead(&mut self, conn: &mut MultiplexedConnection) -> redis::RedisResult<()> {
        let nodes: Vec<u64> = redis::cmd("SMEMBERS")
            .arg(&self.keys.nodes)
            .query_async(conn)
            .await?;
        for node in nodes.into_iter().filter(|n| *n != self.node) {
            let alive: bool = redis::cmd("EXISTS")
                .arg(self.keys.lease(node))
                .query_async(conn)
                .await?;
            if alive {
                self.missing.remove(&node);
                continue;
            }
            let checks = self.missing.entry(node).or_insert(0);
            *checks += 1;
            if *checks >= 2 {
                // Reported again at the next check if the room is busy.
                let _ = self.items.try_send(vec![LogItem::NodeLost { node }]);
            }
            if *checks >= FORGET_AFTER {
                self.missing.remove(&node);
                redis::cmd("SREM")
                    .arg(&self.keys.nodes)
                    .arg(node)
                    .query_async::<()>(conn)
                    .await?;
            }
        }
        Ok(())
    }
}
