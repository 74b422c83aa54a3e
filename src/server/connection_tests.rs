use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{Admission, Context, serve};
use crate::server::Config;
use crate::server::history::History;
use crate::server::limits::AddressLimits;
use crate::server::metrics::Metrics;
use crate::server::outbox::Budget;
use crate::server::room::{self, Room};

/// Every connection's task is allocated at its future's size for as long
/// as the client stays, so 10,000 idle clients hold 10,000 of them.
/// Boxing the TLS path took a plain connection's future from 6,304 to
/// 2,624 bytes in a release build (5,960 to 1,952 in a debug one); this
/// keeps a new rare path from growing every connection again.
const PLAIN_TASK_MAX_BYTES: usize = 4096;

#[tokio::test]
async fn a_plain_connection_task_is_not_sized_for_tls() {
    let config = Config::default();
    let tracker = TaskTracker::new();
    let shutdown = CancellationToken::new();
    let budget = Budget::new(config.queue_budget);
    let new_room = Room::new(History::in_memory(0), config.room_settings());
    let (room, _task) = room::start(
        new_room,
        None,
        budget.brake().clone(),
        shutdown.clone(),
        &tracker,
    );
    let context = Context {
        limits: AddressLimits::new(config.address_policy()),
        metrics: Arc::new(Metrics::default()),
        config: Arc::new(config),
        room,
        budget,
        shutdown: shutdown.clone(),
        hard_stop: CancellationToken::new(),
        tracker,
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let _client = TcpStream::connect(addr).await.expect("connect");
    let (stream, peer) = listener.accept().await.expect("accept");
    let task = serve(stream, peer, Admission::AfterProxyHeader, None, context);
    let size = std::mem::size_of_val(&task);
    assert!(
        size <= PLAIN_TASK_MAX_BYTES,
        "a plain connection's task is {size} bytes (at most {PLAIN_TASK_MAX_BYTES})"
    );
    shutdown.cancel();
}
