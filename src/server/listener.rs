//! The accept loop: one connection task per client, a bounded number of
//! them, and no giving up when the process runs out of file descriptors.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{sleep, timeout};

use super::connection::{self, Context};
use crate::protocol::{ByeReason, ServerLine};

/// Pause after accept fails for lack of resources, so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Connections being turned away at once; beyond it they are just closed.
const MAX_REFUSING: usize = 64;
/// How long a turned-away client gets to read its bye.
const REFUSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Accepts connections until shutdown.
pub async fn accept_loop(listener: TcpListener, context: Context) {
    let slots = Arc::new(Semaphore::new(context.config.max_clients));
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
                context.tracker.clone().spawn(async move {
                    connection::serve(stream, peer, context).await;
                    drop(slot);
                });
            }
            Err(_) => {
                tracing::warn!(%peer, "server full, connection refused");
                if let Ok(permit) = refusing.clone().try_acquire_owned() {
                    context.tracker.spawn(async move {
                        refuse(stream).await;
                        drop(permit);
                    });
                }
            }
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

/// Tells a client the server is full, then closes gracefully.
async fn refuse(mut stream: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let bye = ServerLine::Bye(ByeReason::ServerFull).to_bytes();
    let _ = timeout(REFUSE_TIMEOUT, async {
        stream.write_all(&bye).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 512];
        while stream.read(&mut sink).await? > 0 {}
        io::Result::Ok(())
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

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
