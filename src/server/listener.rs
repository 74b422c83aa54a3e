//! The accept loop: one connection task per client, a bounded number of
//! them (shared by every listener), and no giving up when the process runs
//! out of file descriptors. A TLS listener's connections do the handshake
//! in their own task, then take the same path as plain ones.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, sleep, sleep_until, timeout};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::connection::{self, Admission, Context};
use super::proxy;
use crate::protocol::{ByeReason, ServerLine};

/// Pause after accept fails for lack of resources, so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Connections being turned away at once; beyond it they are just closed.
const MAX_REFUSING: usize = 64;
/// How long a turned-away client gets to read its bye.
const REFUSE_TIMEOUT: Duration = Duration::from_secs(2);
/// File descriptors kept free beyond those open at start, the clients'
/// and the refusals' (a history file compaction opens two).
const SPARE_FILES: u64 = 8;
/// Refused connections are logged as one count per this interval.
const REFUSAL_REPORT: Duration = Duration::from_secs(10);

/// The connection slots every listener shares, and the refusals in
/// progress, both bounded by `--max-clients` and the open-files limit.
#[derive(Clone, Debug)]
pub struct Slots {
    clients: Arc<Semaphore>,
    refusing: Arc<Semaphore>,
}

impl Slots {
    /// What this process's open-files limit leaves room for (logged).
    pub fn for_this_process(max_clients: usize) -> Slots {
        let capacity = Capacity::for_this_process(max_clients);
        Slots {
            clients: Arc::new(Semaphore::new(capacity.clients)),
            refusing: Arc::new(Semaphore::new(capacity.refusing)),
        }
    }
}

/// Accepts connections until shutdown; `tls` makes it a TLS listener.
/// `slots` bounds the connections of every listener together.
pub async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    slots: Slots,
    context: Context,
) {
    let Slots { clients, refusing } = slots;
    let mut refusals = Refusals::default();
    let mut out_of_files_logged = false;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = refusals.due() => {
                refusals.report();
                continue;
            }
            () = context.shutdown.cancelled() => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) if is_out_of_resources(&err) => {
                if !std::mem::replace(&mut out_of_files_logged, true) {
                    tracing::error!(
                        "accept failed, backing off: {err} (raise the open-files limit?)"
                    );
                }
                back_off(&context).await;
                continue;
            }
            Err(err) => {
                tracing::debug!("accept failed: {err}");
                continue;
            }
        };
        out_of_files_logged = false;
        configure(&stream);
        // A direct client is limited before it takes a slot, so one host
        // cannot fill them with refusals; a proxy's after its header.
        let admitted = match proxy::is_trusted(&context.config.trusted_proxies, peer) {
            true => Admission::AfterProxyHeader,
            false => match context.limits.admit(peer.ip(), Instant::now()) {
                Ok(slot) => Admission::Admitted(slot),
                Err(refused) => {
                    connection::log_refusal(peer, refused);
                    turn_away(
                        stream,
                        ByeReason::TooManyConnections,
                        &tls,
                        &refusing,
                        &context,
                    );
                    continue;
                }
            },
        };
        match clients.clone().try_acquire_owned() {
            Ok(slot) => {
                let context = context.clone();
                let tls = tls.clone();
                context.tracker.clone().spawn(async move {
                    connection::serve(stream, peer, admitted, tls, context).await;
                    drop(slot);
                });
            }
            Err(_) => {
                refusals.record(peer);
                turn_away(stream, ByeReason::ServerFull, &tls, &refusing, &context);
            }
        }
    }
}

/// How many clients, and refusals in progress, the open-files limit
/// leaves room for.
#[derive(Debug, PartialEq, Eq)]
struct Capacity {
    clients: usize,
    refusing: usize,
}

impl Capacity {
    /// The capacity under this process's soft RLIMIT_NOFILE (logged).
    fn for_this_process(max_clients: usize) -> Capacity {
        let limit = rlimit::Resource::NOFILE.get().ok().map(|(soft, _)| soft);
        let open = std::fs::read_dir("/proc/self/fd").ok().map(Iterator::count);
        let capacity = match (limit, open) {
            (Some(limit), Some(open)) => Capacity::fit(max_clients, limit, open as u64),
            _ => Capacity {
                clients: max_clients,
                refusing: MAX_REFUSING,
            },
        };
        match limit {
            Some(limit) if capacity.clients < max_clients => tracing::warn!(
                "clients at most {} (the open files limit is {limit}; raise it for --max-clients {max_clients})",
                capacity.clients
            ),
            _ => tracing::info!("clients at most {}", capacity.clients),
        }
        capacity
    }

    /// Splits what `limit` leaves beyond the `open` files and a spare few:
    /// a quarter at most for refusals, the rest for clients (at least one).
    fn fit(max_clients: usize, limit: u64, open: u64) -> Capacity {
        let free = limit.saturating_sub(open + SPARE_FILES);
        let refusing = (free / 4).min(MAX_REFUSING as u64);
        let clients = usize::try_from(free - refusing).unwrap_or(usize::MAX);
        Capacity {
            clients: clients.clamp(1, max_clients),
            refusing: usize::try_from(refusing).unwrap_or(MAX_REFUSING).max(1),
        }
    }
}

/// Refused connections, counted so that a flood of them logs one line
/// per [`REFUSAL_REPORT`] instead of one each: the first refusal of an
/// episode at once, then the count of each interval that had any.
#[derive(Debug, Default)]
struct Refusals {
    count: u64,
    /// The end of the current interval; `None` between episodes.
    report_at: Option<Instant>,
}

impl Refusals {
    fn record(&mut self, peer: SocketAddr) {
        if self.report_at.is_none() {
            tracing::warn!(%peer, "server full, refusing connections");
            self.report_at = Some(Instant::now() + REFUSAL_REPORT);
        }
        self.count += 1;
    }

    /// Resolves when the current interval ends.
    async fn due(&self) {
        match self.report_at {
            Some(at) => sleep_until(at).await,
            None => std::future::pending().await,
        }
    }

    /// Logs the interval's count; an interval without any ends the episode.
    fn report(&mut self) {
        if self.count == 0 {
            self.report_at = None;
            return;
        }
        self.log_count();
        self.report_at = Some(Instant::now() + REFUSAL_REPORT);
    }

    fn log_count(&mut self) {
        tracing::warn!(
            "server full: {} connections refused in the last {}s or less",
            std::mem::take(&mut self.count),
            REFUSAL_REPORT.as_secs()
        );
    }
}

impl Drop for Refusals {
    /// The last count is logged however the accept loop ends.
    fn drop(&mut self) {
        if self.count > 0 {
            self.log_count();
        }
    }
}

/// Accept failed for lack of file descriptors or memory: worth a pause.
fn is_out_of_resources(err: &io::Error) -> bool {
    use rustix::io::Errno;
    matches!(
        Errno::from_io_error(err),
        Some(Errno::MFILE | Errno::NFILE | Errno::NOBUFS | Errno::NOMEM)
    )
}

async fn back_off(context: &Context) {
    tokio::select! {
        () = sleep(ACCEPT_BACKOFF) => {}
        () = context.shutdown.cancelled() => {}
    }
}

/// No Nagle delay for chat lines; keepalive to notice vanished peers.
fn configure(stream: &TcpStream) {
    let _ = stream.set_nodelay(true);
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10));
    let _ = SockRef::from(stream).set_tcp_keepalive(&keepalive);
}

/// Refuses a connection with `reason` (over TLS on a TLS listener), in a
/// task of its own while few refusals are in progress; beyond that it is
/// just closed.
fn turn_away(
    stream: TcpStream,
    reason: ByeReason,
    tls: &Option<TlsAcceptor>,
    refusing: &Arc<Semaphore>,
    context: &Context,
) {
    context.metrics.bye(&reason);
    if let Ok(permit) = refusing.clone().try_acquire_owned() {
        let shutdown = context.shutdown.clone();
        let tls = tls.clone();
        context.tracker.spawn(async move {
            refuse(stream, reason, tls, shutdown).await;
            drop(permit);
        });
    }
}

/// Tells a client why it is refused, then closes gracefully.
/// Draining ends early when the server shuts down.
async fn refuse(
    stream: TcpStream,
    reason: ByeReason,
    tls: Option<TlsAcceptor>,
    shutdown: CancellationToken,
) {
    let closing = timeout(REFUSE_TIMEOUT, async {
        match tls {
            None => say_bye(stream, reason).await,
            Some(acceptor) => say_bye(acceptor.accept(stream).await?, reason).await,
        }
    });
    tokio::select! {
        _ = closing => {}
        () = shutdown.cancelled() => {}
    }
}

async fn say_bye<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    reason: ByeReason,
) -> io::Result<()> {
    let bye = ServerLine::Bye(reason).to_bytes();
    stream.write_all(&bye).await?;
    stream.shutdown().await?;
    let mut sink = [0u8; 512];
    while stream.read(&mut sink).await? > 0 {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_fit_in_the_open_files_limit() {
        assert_eq!(
            Capacity::fit(4096, 64, 16),
            Capacity {
                clients: 30,
                refusing: 10
            }
        );
        assert_eq!(
            Capacity::fit(4096, 1 << 20, 16),
            Capacity {
                clients: 4096,
                refusing: MAX_REFUSING
            }
        );
        assert_eq!(Capacity::fit(4096, 10, 16).clients, 1);
    }

    #[test]
    fn out_of_files_and_memory_are_out_of_resources() {
        use rustix::io::Errno;
        for errno in [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM] {
            let err = io::Error::from_raw_os_error(errno.raw_os_error());
            assert!(is_out_of_resources(&err), "{err}");
        }
        let reset = io::Error::from_raw_os_error(Errno::CONNABORTED.raw_os_error());
        assert!(!is_out_of_resources(&reset));
    }
}
