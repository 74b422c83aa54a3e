//! One client connection: a reader (this task) and a writer (its own
//! task), from accept to a staged close.
//!
//! The reader is a thin pump: frames from the codec become room requests.
//! It stops reading while flood control says wait, leaves on idle, and
//! ends when the room kicks it or the writer gives up. Closing is staged so
//! the last `-- bye` reaches the client: the writer flushes and half-closes,
//! then unread input is drained briefly before the socket is dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::io::AsyncRead;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::Config;
use super::login::{Login, login};
use super::outbox::{Budget, ReplyMeter, outbox};
use super::rate::TokenBucket;
use super::room::{ConnId, Leave, Request, RoomHandle};
use super::writer::{self, WriterEnd};
use crate::protocol::{Command, Frame, LineCodec, sanitize};

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
}

/// Serves one accepted connection to its end.
pub async fn serve(stream: TcpStream, peer: SocketAddr, context: Context) {
    let span = tracing::debug_span!("conn", %peer);
    async move {
        let (read, write) = stream.into_split();
        let config = &context.config;
        let (outbox, queue) = outbox(config.queue_lines, config.queue_bytes, &context.budget);
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
        let mut lines = FramedRead::with_capacity(read, codec, READ_BUFFER_BYTES);
        let mut writer = WriterTask {
            handle: writer,
            flushed: None,
        };
        let bucket = TokenBucket::new(config.rate, config.burst);
        let mut flood = FloodControl { bucket, replies };
        if let Login::Joined { id, kicked, .. } =
            Box::pin(login(&mut lines, outbox, peer, &mut flood.bucket, &context)).await
        {
            let reason = session(&mut lines, &mut writer, &mut flood, id, &kicked, &context).await;
            if let Some(reason) = reason {
                let _ = context.room.send(Request::Leave { id, reason }).await;
            }
        }
        linger(&mut lines, writer, config.linger, &context.hard_stop).await;
    }
    .instrument(span)
    .await;
}

/// The writer task, awaited from several places: its end is taken once
/// and remembered.
struct WriterTask {
    handle: JoinHandle<WriterEnd>,
    /// Set once it ended: whether it flushed everything and half-closed.
    flushed: Option<bool>,
}

impl WriterTask {
    /// Waits for the writer to end; never resolves again after that.
    async fn end(&mut self) -> WriterEnd {
        if self.flushed.is_some() {
            return std::future::pending().await;
        }
        let end = (&mut self.handle).await.unwrap_or(WriterEnd::Stopped);
        self.flushed = Some(matches!(end, WriterEnd::Flushed));
        end
    }
}

/// The reader's brake: its token bucket, and the meter of what its
/// replies cost.
struct FloodControl {
    bucket: TokenBucket,
    replies: ReplyMeter,
}

impl FloodControl {
    /// How long to stop reading, with the replies queued so far charged.
    fn wait(&mut self) -> Duration {
        let now = Instant::now();
        self.bucket.charge_reply(now, self.replies.take());
        self.bucket.wait(now)
    }
}

/// Why the reader woke up.
enum Wake {
    Frame(Option<Frame>),
    Idle,
    Kicked,
    Writer(WriterEnd),
}

/// Pumps lines into the room until the member leaves. Returns the reason
/// to report, or `None` when the room already removed the member.
async fn session<R: AsyncRead + Unpin>(
    lines: &mut FramedRead<R, LineCodec>,
    writer: &mut WriterTask,
    flood: &mut FloodControl,
    id: ConnId,
    kicked: &CancellationToken,
    context: &Context,
) -> Option<Leave> {
    let config = &context.config;
    let mut last_line = Instant::now();
    loop {
        let wait = flood.wait();
        if !wait.is_zero() {
            if let Some(wake) = pause(wait, writer, kicked).await {
                return leave_reason(wake);
            }
            last_line = Instant::now();
        }
        // An idle timeout too long to add to a clock reading means never.
        let idle_at = config
            .idle_timeout
            .and_then(|idle| last_line.checked_add(idle));
        let frame = match next_wake(lines, writer, kicked, idle_at).await {
            Wake::Frame(frame) => frame,
            other => return leave_reason(other),
        };
        last_line = Instant::now();
        flood.bucket.take(last_line);
        let request = match frame {
            None => return Some(Leave::Closed),
            Some(Frame::TooLong) => Request::TooLong { id },
            Some(Frame::Line(raw)) => {
                let text = sanitize(&raw);
                if text.is_empty() {
                    continue;
                }
                Request::Command {
                    id,
                    command: Command::parse(&text),
                }
            }
        };
        if context.room.send(request).await.is_err() {
            return None;
        }
    }
}

fn leave_reason(wake: Wake) -> Option<Leave> {
    match wake {
        Wake::Frame(_) => None,
        Wake::Idle => Some(Leave::Idle),
        Wake::Kicked => None,
        Wake::Writer(WriterEnd::TooSlow) => Some(Leave::TooSlow),
        Wake::Writer(_) => Some(Leave::Closed),
    }
}

/// Flood control: waits without reading, unless the session ends first.
async fn pause(
    wait: Duration,
    writer: &mut WriterTask,
    kicked: &CancellationToken,
) -> Option<Wake> {
    tokio::select! {
        () = sleep(wait) => None,
        () = kicked.cancelled() => Some(Wake::Kicked),
        end = writer.end() => Some(Wake::Writer(end)),
    }
}

async fn next_wake<R: AsyncRead + Unpin>(
    lines: &mut FramedRead<R, LineCodec>,
    writer: &mut WriterTask,
    kicked: &CancellationToken,
    idle_at: Option<Instant>,
) -> Wake {
    let idle = async {
        match idle_at {
            Some(at) => sleep_until(at).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        frame = next_frame(lines) => Wake::Frame(frame),
        () = idle => Wake::Idle,
        () = kicked.cancelled() => Wake::Kicked,
        end = writer.end() => Wake::Writer(end),
    }
}

/// The next frame; a read error ends the stream like EOF does.
pub async fn next_frame<R: AsyncRead + Unpin>(
    lines: &mut FramedRead<R, LineCodec>,
) -> Option<Frame> {
    match lines.next().await? {
        Ok(frame) => Some(frame),
        Err(err) => {
            tracing::debug!("read failed: {err}");
            None
        }
    }
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
