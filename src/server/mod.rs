//! `chatty serve`: the room server of PROTOCOL.md.
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

mod connection;
pub mod history;
mod listener;
mod login;
pub mod outbox;
pub mod rate;
pub mod room;
mod roster;
mod stream;
pub mod tls;
pub mod writer;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use connection::Context;
use history::History;
use room::Room;

/// How long queued lines may take to flush at shutdown.
pub const SHUTDOWN_FLUSH: Duration = Duration::from_secs(5);

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
    pub history: usize,
    pub history_file: Option<PathBuf>,
    /// Lines per second per client; 0 turns flood control off.
    pub rate: u32,
    pub burst: usize,
    pub max_clients: usize,
    pub shutdown_flush: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_line_bytes: 4096,
            login_timeout: Duration::from_secs(30),
            idle_timeout: Some(Duration::from_secs(300)),
            write_timeout: Duration::from_secs(30),
            queue_lines: 1024,
            queue_bytes: 256 * 1024,
            history: 50,
            history_file: None,
            rate: 10,
            burst: 40,
            max_clients: 4096,
            shutdown_flush: SHUTDOWN_FLUSH,
        }
    }
}

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
    let tracker = TaskTracker::new();
    let history = match &config.history_file {
        Some(path) => History::open(config.history, path, &tracker)?,
        None => History::in_memory(config.history),
    };
    let hard_stop = CancellationToken::new();
    let room = room::start(
        Room::new(history, config.max_line_bytes),
        shutdown.clone(),
        &tracker,
    );
    let flush = config.shutdown_flush;
    let context = Context {
        config: Arc::new(config),
        room,
        shutdown: shutdown.clone(),
        hard_stop: hard_stop.clone(),
        tracker: tracker.clone(),
    };
    accept_all(listeners, context).await;
    tracing::info!("shutting down");
    tracker.close();
    if tokio::time::timeout(flush, tracker.wait()).await.is_err() {
        tracing::warn!("flush deadline passed, closing the remaining connections");
        hard_stop.cancel();
        tracker.wait().await;
    }
    Ok(())
}

/// Runs the accept loop of every listener until shutdown; they share the
/// connection slots.
async fn accept_all(listeners: Listeners, context: Context) {
    let slots = Arc::new(Semaphore::new(context.config.max_clients));
    let plain = listeners.plain.map(|listener| {
        if let Ok(addr) = listener.local_addr() {
            tracing::info!("listening on {addr}");
        }
        listener::accept_loop(listener, None, slots.clone(), context.clone())
    });
    let tls = listeners.tls.map(|tls| {
        if let Ok(addr) = tls.listener.local_addr() {
            tracing::info!("listening for TLS on {addr}");
        }
        listener::accept_loop(tls.listener, Some(tls.acceptor), slots, context)
    });
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

    /// Resolves at the next SIGINT or SIGTERM.
    pub async fn next(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => tracing::info!("SIGTERM received"),
            _ = self.interrupt.recv() => tracing::info!("SIGINT received"),
        }
    }
}
