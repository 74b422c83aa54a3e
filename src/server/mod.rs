//! `chatty serve`: the room server of `docs/protocol.md`.
//!
//! ```text
//! accept -> connection task -> login (own outbox, no room yet)
//!             | RoomHandle::join(name, outbox) --oneshot--> Joined | Taken
//!             v
//!  reader: codec -> Request --send().await--> room task (members, names, history)
//!                                              | per member: outbox.push(line)
//!  writer: outbox -> socket (write timeout) <--+  full => skipped += 1
//! ```
//! A TLS listener's connections do their handshake (within the login
//! timeout) before the connection task; from then on they are served by the
//! same generic code as plain ones.
//!
//! Shutdown: cancel the token -> stop accepting -> the room says bye to
//! every member -> writers flush (bounded by a deadline) -> `run` returns.
//!
//! Before login, a connection from a `--trusted-proxy` gives its client's
//! address in a PROXY header ([`proxy`]), and [`limits`] admits it or
//! says `-- bye (too many connections)`. [`metrics`] counts with atomics
//! only and serves `/metrics` on its own listener.

pub mod cluster;
mod connection;
pub(crate) mod history;
pub mod limits;
mod listener;
mod login;
pub(crate) mod metrics;
pub mod moderation;
pub(crate) mod outbox;
pub(crate) mod proxy;
pub(crate) mod rate;
pub(crate) mod room;
mod roster;
mod session;
mod stream;
pub mod tls;
pub(crate) mod writer;

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use tokio::net::{TcpListener, TcpSocket};
use tokio::task::{JoinError, JoinHandle};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use connection::Context;
use history::History;
use limits::{AddressLimits, Policy};
use metrics::Metrics;
use room::Room;

/// The server's settings (see `chatty serve --help` for each).
#[derive(Clone, Debug)]
pub struct Config {
    pub max_line_bytes: usize,
    pub login_timeout: Duration,
    /// `None`: never disconnect idle clients.
    pub idle_timeout: Option<Duration>,
    pub write_timeout: Duration,
    pub queue_lines: usize,
    pub queue_bytes: usize,
    /// Bytes queued for all clients together (see `outbox::Budget`).
    pub queue_budget: usize,
    pub history: usize,
    pub history_file: Option<PathBuf>,
    /// Lines per second per client; 0 turns flood control off.
    pub rate: u32,
    pub burst: usize,
    pub max_clients: usize,
    /// How long queued lines may take to flush at shutdown.
    pub shutdown_flush: Duration,
    /// How long a closing connection's unread input is drained after its
    /// last line was flushed, so the kernel does not reset the bye away.
    pub linger: Duration,
    /// Open connections per address (IPv6: per /64); 0 = no limit.
    pub max_per_address: usize,
    /// New connections per address per `new_per_address_window`; 0 = no limit.
    pub max_new_per_address: usize,
    pub new_per_address_window: Duration,
    /// Addresses no per-address limit applies to.
    pub exempt: Cow<'static, [IpNet]>,
    /// Proxies whose connections start with a PROXY protocol header.
    pub trusted_proxies: Cow<'static, [IpNet]>,
    /// Where to serve `/metrics`, if anywhere.
    pub metrics: Option<SocketAddr>,
    /// How long a tagged member's seat is held after its link broke
    /// (`None`: not at all).
    pub resume_window: Option<Duration>,
    /// The operators file (`NAME HASH` lines).
    pub operators_file: Option<PathBuf>,
    /// The file that keeps bans across restarts.
    pub bans_file: Option<PathBuf>,
    /// The room shared with other servers through Redis, if any.
    pub cluster: Option<cluster::ClusterConfig>,
}

impl Config {
    /// The defaults, the one source for `Config::default()` and the
    /// defaults `chatty serve --help` shows.
    pub const DEFAULTS: Config = Config {
        max_line_bytes: 4096,
        login_timeout: Duration::from_secs(30),
        idle_timeout: Some(Duration::from_secs(300)),
        write_timeout: Duration::from_secs(30),
        queue_lines: 1024,
        queue_bytes: 256 * 1024,
        queue_budget: 256 << 20,
        history: 50,
        history_file: None,
        rate: 10,
        burst: 40,
        max_clients: 4096,
        shutdown_flush: Duration::from_secs(5),
        linger: Duration::from_secs(2),
        max_per_address: 16,
        max_new_per_address: 32,
        new_per_address_window: Duration::from_secs(600),
        exempt: Cow::Borrowed(&LOOPBACK),
        trusted_proxies: Cow::Borrowed(&[]),
        metrics: None,
        resume_window: Some(Duration::from_secs(120)),
        operators_file: None,
        bans_file: None,
        cluster: None,
    };

    /// The per-address limits these settings ask for.
    fn address_policy(&self) -> Policy {
        Policy {
            max_open: self.max_per_address,
            max_new: self.max_new_per_address,
            window: self.new_per_address_window,
            exempt: self.exempt.to_vec(),
        }
    }

    /// What the room needs of these settings.
    pub fn room_settings(&self) -> room::Settings {
        room::Settings {
            max_line_bytes: self.max_line_bytes,
            queue_lines: self.queue_lines,
            queue_bytes: self.queue_bytes,
            resume_window: self.resume_window,
            max_held: self.max_clients,
            backlog_budget: self.queue_budget,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::DEFAULTS
    }
}

/// The default `--exempt`: loopback, IPv4 and IPv6.
pub(crate) const LOOPBACK: [IpNet; 2] = [
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8)),
    IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::LOCALHOST, 128)),
];

/// Pending connections the kernel queues for `accept` (capped by
/// `net.core.somaxconn`). The standard library's 128 is too few when
/// thousands of clients connect at once: the kernel drops their SYNs and
/// each retries a second later.
const LISTEN_BACKLOG: u32 = 4096;

/// Binds `addr`, with an error that says what to do when it fails.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    listen(addr).with_context(|| {
        format!("cannot listen on {addr}: is another server running there? choose another --addr")
    })
}

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// The sockets one room is served on: plain TCP, TLS, or both.
pub struct Listeners {
    pub plain: Option<TcpListener>,
    pub tls: Option<tls::TlsListener>,
}

impl Listeners {
    /// Binds what is asked for; at least one of them.
    pub async fn bind(
        plain: Option<SocketAddr>,
        tls: Option<&tls::TlsPlan>,
    ) -> anyhow::Result<Listeners> {
        anyhow::ensure!(
            plain.is_some() || tls.is_some(),
            "nothing to listen on: --addr none needs --tls-addr HOST:PORT"
        );
        let plain = match plain {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        let tls = match tls {
            Some(plan) => Some(tls::TlsListener::bind(plan).await?),
            None => None,
        };
        Ok(Listeners { plain, tls })
    }

    fn log_addresses(&self) {
        if let Some(Ok(addr)) = self.plain.as_ref().map(TcpListener::local_addr) {
            tracing::info!("listening on {addr}");
        }
        if let Some(Ok(addr)) = self.tls.as_ref().map(|tls| tls.listener.local_addr()) {
            tracing::info!("listening for TLS on {addr}");
        }
    }
}

/// Serves the room on `listener` until `shutdown` is cancelled, then says
/// bye to everyone, flushes, and returns once every task has ended.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let listeners = Listeners {
        plain: Some(listener),
        tls: None,
    };
    run_on(listeners, config, shutdown).await
}

/// [`run`] on every listener of `listeners`, all into the same room.
pub async fn run_on(
    listeners: Listeners,
    config: Config,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let metrics = match config.metrics {
        Some(addr) => Some(TcpListener::bind(addr).await.with_context(|| {
            format!("cannot serve metrics on {addr}: choose another --metrics")
        })?),
        None => None,
    };
    serve_on(listeners, metrics, config, shutdown).await
}

/// [`run`] with the `/metrics` listener, if any, bound already.
pub async fn serve(
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    config: Config,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let listeners = Listeners {
        plain: Some(listener),
        tls: None,
    };
    serve_on(listeners, metrics_listener, config, shutdown).await
}

/// [`run_on`] with the `/metrics` listener, if any, bound already.
async fn serve_on(
    listeners: Listeners,
    metrics_listener: Option<TcpListener>,
    config: Config,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let tracker = TaskTracker::new();
    let metrics = Arc::new(Metrics::default());
    let fenced = CancellationToken::new();
    let (new_room, items) = room_of(&config, &fenced, &shutdown, &tracker).await?;
    let moderation = moderation_of(&config, &tracker)?;
    let hard_stop = CancellationToken::new();
    let budget = outbox::Budget::new(config.queue_budget);
    let (room, mut room_task) = room::start(
        new_room
            .with_metrics(metrics.clone())
            .with_moderation(moderation),
        items,
        budget.brake().clone(),
        shutdown.clone(),
        &tracker,
    );
    let flush = config.shutdown_flush;
    let context = Context {
        limits: AddressLimits::new(config.address_policy()),
        metrics,
        config: Arc::new(config),
        room,
        budget,
        shutdown: shutdown.clone(),
        hard_stop: hard_stop.clone(),
        tracker: tracker.clone(),
    };
    listeners.log_addresses();
    if let Some(metrics_listener) = metrics_listener {
        serve_metrics(metrics_listener, &context);
    }
    let accepting = accept_all(listeners, context);
    let room_ended = supervise(accepting, &mut room_task, &shutdown).await;
    tracing::info!("shutting down");
    tracker.close();
    if tokio::time::timeout(flush, tracker.wait()).await.is_err() {
        tracing::warn!("flush deadline passed, closing the remaining connections");
        hard_stop.cancel();
        tracker.wait().await;
    }
    let outcome = match room_ended {
        Some(outcome) => outcome,
        None => room_outcome(room_task.await),
    };
    if fenced.is_cancelled() {
        return Err(anyhow!(
            "stopped: this server could not renew its lease in the cluster in time"
        ));
    }
    outcome
}

/// What the engine of a shared room hands its room.
type Items = Option<tokio::sync::mpsc::Receiver<Vec<room::log::LogItem>>>;

/// The room alone on this server (history in memory or in its file), or
/// a node of a cluster's room; a node that must stop (`fenced`) shuts
/// the server down.
async fn room_of(
    config: &Config,
    fenced: &CancellationToken,
    shutdown: &CancellationToken,
    tracker: &TaskTracker,
) -> anyhow::Result<(Room, Items)> {
    let Some(cluster) = &config.cluster else {
        let history = match &config.history_file {
            Some(path) => History::open(config.history, path, tracker)?,
            None => History::in_memory(config.history),
        };
        return Ok((Room::new(history, config.room_settings()), None));
    };
    let engine = CancellationToken::new();
    let node = cluster::join(cluster, engine.clone(), fenced.clone(), tracker).await?;
    let (fenced, shutdown) = (fenced.clone(), shutdown.clone());
    tracker.spawn(async move {
        tokio::select! {
            () = fenced.cancelled() => shutdown.cancel(),
            () = shutdown.cancelled() => {}
        }
    });
    let state = match node.snapshot {
        Some(snapshot) => room::RoomState::from_snapshot(snapshot, config.history),
        None => room::RoomState::new(History::numbered(config.history, node.epoch)),
    };
    let room = Room::with_log(state, Box::new(node.log), config.room_settings())
        .with_node(node.number)
        .with_engine(engine.drop_guard());
    Ok((room, Some(node.items)))
}

/// Serves `/metrics` until shutdown.
fn serve_metrics(listener: TcpListener, context: &Context) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!("metrics on http://{addr}/metrics");
    }
    let registry = context.metrics.registry();
    let shutdown = context.shutdown.clone();
    let serving = metrics::serve(listener, registry, shutdown, context.tracker.clone());
    context.tracker.spawn(serving);
}

/// The operators, the bans (from the bans file) and its writer.
fn moderation_of(config: &Config, tracker: &TaskTracker) -> anyhow::Result<moderation::Moderation> {
    let operators = match &config.operators_file {
        Some(path) => moderation::Operators::load(path)?,
        None => moderation::Operators::default(),
    };
    let (bans, bans_file) = match &config.bans_file {
        Some(path) => {
            let bans = moderation::bans_file::load(path, crate::protocol::Timestamp::now())?;
            tracing::info!("{} bans in force", bans.len());
            let writer = moderation::BansWriter::start(path.clone(), 0, tracker);
            (bans, Some(writer))
        }
        None => (Vec::new(), None),
    };
    Ok(moderation::Moderation {
        operators: Arc::new(operators),
        bans,
        bans_file,
        exempt: config.exempt.clone(),
    })
}

/// Accepts until shutdown, unless the room task ends first: then the
/// server must not live on as a zombie that greets newcomers with a bye,
/// so it shuts down. Returns the room's outcome if it has ended (an end
/// before shutdown is an error), `None` if it still runs.
async fn supervise(
    accepting: impl Future<Output = ()>,
    room_task: &mut JoinHandle<()>,
    shutdown: &CancellationToken,
) -> Option<anyhow::Result<()>> {
    tokio::select! {
        biased;
        () = accepting => None,
        ended = room_task => {
            let outcome = match room_outcome(ended) {
                Ok(()) if !shutdown.is_cancelled() => {
                    Err(anyhow!("the room task ended before shutdown"))
                }
                outcome => outcome,
            };
            shutdown.cancel();
            Some(outcome)
        }
    }
}

/// The room task's end as a result: a panic is an error.
fn room_outcome(ended: Result<(), JoinError>) -> anyhow::Result<()> {
    match ended {
        Ok(()) => Ok(()),
        Err(err) if err.is_panic() => Err(anyhow!("the room task panicked")),
        Err(err) => Err(anyhow!("the room task failed: {err}")),
    }
}

/// Runs the accept loop of every listener until shutdown; they share the
/// connection slots.
async fn accept_all(listeners: Listeners, context: Context) {
    let slots = listener::Slots::for_this_process(context.config.max_clients);
    let plain = listeners
        .plain
        .map(|listener| listener::accept_loop(listener, None, slots.clone(), context.clone()));
    let tls = listeners
        .tls
        .map(|tls| listener::accept_loop(tls.listener, Some(tls.acceptor), slots, context));
    tokio::join!(maybe(plain), maybe(tls));
}

async fn maybe(accept: Option<impl Future<Output = ()>>) {
    if let Some(accept) = accept {
        accept.await;
    }
}

/// Raises the soft open-files limit to the hard one, so the server can
/// hold as many connections as the system allows.
pub fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::info!("open files limit: {limit}"),
        Err(err) => tracing::warn!("cannot raise the open files limit: {err}"),
    }
}

/// SIGINT and SIGTERM, watched from creation on (so none is missed).
pub struct Signals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn watch() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            terminate: signal(SignalKind::terminate()).context("cannot watch SIGTERM")?,
            interrupt: signal(SignalKind::interrupt()).context("cannot watch SIGINT")?,
        })
    }

    /// Resolves at the next SIGINT or SIGTERM, with its name. It does not
    /// log: the caller acts on the signal first.
    pub async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_in_the_room_task_stops_the_server_with_an_error() {
        let shutdown = CancellationToken::new();
        let mut room_task = tokio::spawn(async { panic!("a bug in the room") });
        let accepting = shutdown.clone().cancelled_owned();
        let ended = supervise(accepting, &mut room_task, &shutdown).await;
        let err = ended
            .expect("the room ended")
            .expect_err("a panicked room is an error");
        assert!(err.to_string().contains("panicked"), "{err}");
        assert!(shutdown.is_cancelled(), "the server shuts down");
    }

    #[tokio::test]
    async fn a_room_that_ends_at_shutdown_is_fine() {
        let shutdown = CancellationToken::new();
        let room_shutdown = shutdown.clone();
        let mut room_task = tokio::spawn(async move { room_shutdown.cancelled().await });
        shutdown.cancel();
        let accepting = shutdown.clone().cancelled_owned();
        let outcome = match supervise(accepting, &mut room_task, &shutdown).await {
            Some(outcome) => outcome,
            None => room_outcome(room_task.await),
        };
        assert!(outcome.is_ok(), "{outcome:?}");
    }
}
