//! A member's session: the reader's loop from the first line after login
//! until the member leaves, with its flood control, idle timeout and the
//! writer task it watches.

use std::time::Duration;

use futures::StreamExt;
use tokio::io::AsyncRead;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use super::connection::Context;
use super::outbox::ReplyMeter;
use super::rate::TokenBucket;
use super::room::{ConnId, Leave, Request};
use super::writer::WriterEnd;
use crate::protocol::{Command, Frame, LineCodec, sanitize};

/// The writer task, awaited from several places: its end is taken once
/// and remembered.
pub(super) struct WriterTask {
    pub(super) handle: JoinHandle<WriterEnd>,
    /// Set once it ended: whether it flushed everything and half-closed.
    pub(super) flushed: Option<bool>,
}

impl WriterTask {
    /// Waits for the writer to end; never resolves again after that.
    pub(super) async fn end(&mut self) -> WriterEnd {
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
pub(super) struct FloodControl {
    pub(super) bucket: TokenBucket,
    pub(super) replies: ReplyMeter,
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
pub(super) async fn session<R: AsyncRead + Unpin>(
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
            let paused_at = Instant::now();
            let paused = pause(wait, writer, kicked).await;
            context.metrics.throttled(paused_at.elapsed());
            if let Some(wake) = paused {
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
                context.metrics.lines_received.inc();
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
        Wake::Writer(WriterEnd::Failed(err)) => {
            tracing::debug!(%err, "write failed");
            Some(Leave::Closed)
        }
        Wake::Writer(WriterEnd::Flushed | WriterEnd::Stopped) => Some(Leave::Closed),
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
pub(super) async fn next_frame<R: AsyncRead + Unpin>(
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
