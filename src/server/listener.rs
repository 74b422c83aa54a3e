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
use tokio::time::{sleep, timeout};
use tokio_rustls::TlsAcceptor;

use super::connection::{self, Context};
use super::tls;
use crate::protocol::{ByeReason, ServerLine};

/// Pause after accept fails for lack of resources, so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Connections being turned away at once; beyond it they are just closed.
const MAX_REFUSING: usize = 64;
/// How long a turned-away client gets to read its bye.
const REFUSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Accepts connections until shutdown; `tls` makes it a TLS listener.
/// `slots` bounds the connections of every listener together.
pub async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    slots: Arc<Semaphore>,
    context: Context,
) {
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let mut out_of_files_logged = false;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
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
        match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                let context = context.clone();
                let tls = tls.clone();
                context.tracker.clone().spawn(async move {
                    serve(stream, peer, tls, context).await;
                    drop(slot);
                });
            }
            Err(_) => {
                tracing::warn!(%peer, "server full, connection refused");
                if let Ok(permit) = refusing.clone().try_acquire_owned() {
                    let tls = tls.clone();
                    context.tracker.spawn(async move {
                        refuse(stream, tls).await;
                        drop(permit);
                    });
                }
            }
        }
    }
}

fn is_out_of_resources(err: &io::Error) -> bool {
    // EMFILE, ENFILE, ENOBUFS, ENOMEM
    matches!(err.raw_os_error(), Some(24 | 23 | 105 | 12))
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

/// Serves a connection, after the TLS handshake if there is one.
async fn serve(stream: TcpStream, peer: SocketAddr, tls: Option<TlsAcceptor>, context: Context) {
    let Some(acceptor) = tls else {
        return connection::serve(stream, peer, context).await;
    };
    let deadline = context.config.login_timeout;
    if let Some(stream) = tls::handshake(&acceptor, stream, peer, deadline, &context.shutdown).await
    {
        connection::serve(stream, peer, context).await;
    }
}

/// Tells a client the server is full (over TLS on a TLS listener), then
/// closes gracefully.
async fn refuse(stream: TcpStream, tls: Option<TlsAcceptor>) {
    let _ = timeout(REFUSE_TIMEOUT, async {
        match tls {
            None => say_full(stream).await,
            Some(acceptor) => say_full(acceptor.accept(stream).await?).await,
        }
    })
    .await;
}

async fn say_full<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) -> io::Result<()> {
    let bye = ServerLine::Bye(ByeReason::ServerFull).to_bytes();
    stream.write_all(&bye).await?;
    stream.shutdown().await?;
    let mut sink = [0u8; 512];
    while stream.read(&mut sink).await? > 0 {}
    Ok(())
}
