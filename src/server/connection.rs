//! One client connection: a reader (this task) and a writer (its own
//! task), from accept to a staged close.
//!
//! The reader is a thin pump: frames from the codec become room requests
//! ([`super::session`]: it stops reading while flood control says wait,
//! leaves on idle, and ends when the room kicks it or the writer gives
//! up). A TLS connection's state is boxed, so a plain one's task stays
//! small (an idle client holds its task for hours). Closing is staged so
//! the last `-- bye` reaches the client: the writer flushes and half-closes,
//! then unread input is drained briefly before the socket is dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep};
use tokio_rustls::TlsAcceptor;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::Config;
use super::limits::{AddressLimits, AddressSlot, Refusal, Refused};
use super::login::{Login, login};
use super::metrics::Metrics;
use super::outbox::{Budget, Outbox, ReplyMeter, outbox};
use super::proxy;
use super::rate::TokenBucket;
use super::room::{Request, RoomHandle};
use super::session::{FloodControl, WriterTask, next_frame, session};
use super::stream::{Prefixed, Split};
use super::tls;
use super::writer;
use crate::protocol::{ByeReason, LineCodec, ServerLine};

/// The read buffer starts this small and grows only for long lines.
const READ_BUFFER_BYTES: usize = 256;

/// What every connection task shares.
#[derive(Debug, Clone)]
pub struct Context {
    pub config: Arc<Config>,
    pub room: RoomHandle,
    /// The bound on bytes queued for all clients together.
    pub budget: Arc<Budget>,
    /// Cancelled when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Cancelled when the shutdown flush deadline has passed.
    pub hard_stop: CancellationToken,
    pub tracker: TaskTracker,
    pub limits: Arc<AddressLimits>,
    pub metrics: Arc<Metrics>,
}

/// Where a connection stands with the per-address limits when it starts.
#[derive(Debug)]
pub enum Admission {
    /// Admitted by the peer's own address.
    Admitted(AddressSlot),
    /// From a trusted proxy: admitted by the address its header names.
    AfterProxyHeader,
}

/// Serves one accepted connection to its end. From a trusted proxy, the
/// PROXY header names the client: its address is the one limited and logged.
/// On a TLS listener (`tls`), the header comes first, then the handshake.
pub async fn serve(
    mut stream: TcpStream,
    from: SocketAddr,
    admission: Admission,
    tls: Option<TlsAcceptor>,
    context: Context,
) {
    let _open = context.metrics.open_connection();
    let config = &context.config;
    let header = proxy::client_address(
        &mut stream,
        from,
        &config.trusted_proxies,
        config.login_timeout,
    );
    let (peer, early) = match header.await {
        Ok(client) => client,
        Err(err) => {
            tracing::warn!(proxy = %from, "connection refused: {err}");
            context.metrics.disconnect("bad proxy header");
            return;
        }
    };
    let admitted = match admission {
        Admission::Admitted(slot) => Ok(slot),
        Admission::AfterProxyHeader => context.limits.admit(peer.ip(), Instant::now()),
    };
    let Some(acceptor) = tls else {
        return serve_stream(stream, peer, early, admitted, context).await;
    };
    // Boxed: a TLS session's state is several times a plain one's, and
    // every plain connection's task would otherwise be sized for it.
    Box::pin(serve_tls(acceptor, stream, peer, early, admitted, context)).await;
}

/// The handshake, then the session over TLS.
async fn serve_tls(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    peer: SocketAddr,
    early: BytesMut,
    admitted: Result<AddressSlot, Refused>,
    context: Context,
) {
    let stream = Prefixed::new(early, stream);
    let (deadline, shutdown) = (context.config.login_timeout, context.shutdown.clone());
    if let Some(stream) = tls::handshake(&acceptor, stream, peer, deadline, &shutdown).await {
        serve_stream(stream, peer, BytesMut::new(), admitted, context).await;
    }
}

/// Serves a connection (plain or TLS) once its client's address is known;
/// `early` is what was read after a PROXY header.
async fn serve_stream<S: Split>(
    stream: S,
    peer: SocketAddr,
    early: BytesMut,
    admitted: Result<AddressSlot, Refused>,
    context: Context,
) {
    let span = tracing::debug_span!("conn", %peer);
    async move {
        let (read, write) = stream.split();
        let config = &context.config;
        let (outbox, queue) = outbox(config.queue_lines, config.queue_bytes, &context.budget);
        let outbox = outbox.observed(context.metrics.clone());
        let replies = queue.meter();
        let writer = context.tracker.spawn(
            writer::run(
                write,
                queue,
                config.write_timeout,
                context.hard_stop.clone(),
            )
            .in_current_span(),
        );
        let codec = LineCodec::new(config.max_line_bytes);
        // What came after a PROXY header is read first.
        let read = std::io::Cursor::new(early).chain(read);
        let mut lines = FramedRead::with_capacity(read, codec, READ_BUFFER_BYTES);
        let mut writer = WriterTask {
            handle: writer,
            flushed: None,
        };
        let slot = match admitted {
            Ok(slot) => {
                chat(&mut lines, &mut writer, outbox, replies, peer, &context).await;
                Some(slot)
            }
            Err(refused) => refuse(outbox, refused, peer, &context),
        };
        linger(&mut lines, writer, config.linger, &context.hard_stop).await;
        drop(slot);
    }
    .instrument(span)
    .await;
}

/// Login, then the member's session, until either ends.
async fn chat<R: AsyncRead + Unpin>(
    lines: &mut FramedRead<R, LineCodec>,
    writer: &mut WriterTask,
    outbox: Outbox,
    replies: ReplyMeter,
    peer: SocketAddr,
    context: &Context,
) {
    let bucket = TokenBucket::new(context.config.rate, context.config.burst);
    let mut flood = FloodControl { bucket, replies };
    if let Login::Joined { id, kicked, .. } =
        Box::pin(login(lines, outbox, peer, &mut flood.bucket, context)).await
    {
        let reason = session(lines, writer, &mut flood, id, &kicked, context).await;
        if let Some(reason) = reason {
            let _ = context.room.send(Request::Leave { id, reason }).await;
        }
    }
}

/// Turns a connection over the per-address limits away with its bye.
fn refuse(
    outbox: Outbox,
    refused: Refused,
    peer: SocketAddr,
    context: &Context,
) -> Option<AddressSlot> {
    log_refusal(peer, refused);
    context.metrics.bye(&ByeReason::TooManyConnections);
    outbox.push_last(ServerLine::Bye(ByeReason::TooManyConnections).to_bytes());
    None
}

/// Logs a per-address refusal, once a minute per address.
pub fn log_refusal(peer: SocketAddr, refused: Refused) {
    if !refused.report {
        return;
    }
    let limit = match refused.why {
        Refusal::TooMany => "--max-per-address",
        Refusal::TooFast => "--max-new-per-address",
    };
    tracing::warn!(%peer, "too many connections from this address ({limit}); refusing it");
}

/// The staged close: wait for the writer to flush and half-close, then
/// drain unread input for a moment so the kernel does not answer it with a
/// reset that could destroy the bye before the client reads it.
async fn linger<R: AsyncRead + Unpin>(
    lines: &mut FramedRead<R, LineCodec>,
    mut writer: WriterTask,
    drain: Duration,
    hard_stop: &CancellationToken,
) {
    let mut input_open = true;
    while writer.flushed.is_none() {
        tokio::select! {
            _ = writer.end() => {}
            frame = next_frame(lines), if input_open => input_open = frame.is_some(),
            () = hard_stop.cancelled() => return,
        }
    }
    if writer.flushed != Some(true) {
        return;
    }
    let deadline = sleep(drain);
    tokio::pin!(deadline);
    while input_open {
        tokio::select! {
            frame = next_frame(lines) => input_open = frame.is_some(),
            () = &mut deadline => return,
            () = hard_stop.cancelled() => return,
        }
    }
}

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
