//! The socket task: a thin pump between the TCP connection and the app.
//!
//! It connects when asked (after the backoff for that attempt, counting the
//! seconds down to the app), sends the login lines it was given once the
//! server's first line shows whether it speaks chatty, then passes each line
//! read with the protocol codec to the app and each line the app sends to
//! the socket. It never decides anything and never sends a line on its own.
//!
//! Edges: `reports` (task -> app) is bounded and waited on, so a flood from
//! the server slows the reading instead of growing memory; `requests`
//! (app -> task) is bounded too.

use std::time::Duration;

use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio_util::codec::FramedRead;

use crate::protocol::name::MAX_NAME_CHARS;
use crate::protocol::{Frame, LineCodec};

use super::event::NetEvent;
use super::link::{Connector, Reader, Writer};

/// The largest room `chatty serve` can hold (the top of its
/// `--max-clients` range).
pub const MAX_ROOM: usize = 1_000_000;
/// Longest server line accepted; longer ones are shown as a note. Sized
/// from the protocol's own bounds so that the largest legal line, the
/// `-- online` roster of a full room of 24-character names of 4-byte
/// characters, is read whole.
pub const MAX_LINE_BYTES: usize = ROSTER_HEAD + MAX_ROOM * (MAX_NAME_CHARS * 4 + ", ".len());
/// `-- online (N): ` for the largest N.
const ROSTER_HEAD: usize = "-- online (1000000): ".len();

/// Where and how to connect (plain TCP or TLS), and how long to wait for
/// `-- you are`.
#[derive(Clone)]
pub struct Link {
    pub connector: Connector,
    pub join_wait: Duration,
}
/// The longest wait between attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the app asks of the socket task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Connect after the backoff for `attempt` and log in with `login`.
    Connect { login: Login, attempt: u32 },
    /// Send a line (ignored when not connected).
    Send(String),
}

/// What a connection sends first, once the server's first line shows
/// what it speaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    /// To a chatty server (its first line is a `-- ` notice): `/tags`, then
    /// the name or a `/resume`.
    pub chatty: Vec<String>,
    /// To any other server (the seed's first line is `You are ...`): the
    /// name alone, which such a room shows as a line.
    pub other: String,
}

/// The wait before connection attempt `attempt` (0 = none): doubling from
/// 1 s, capped at [`MAX_BACKOFF`], scaled by `jitter` in `0.0..=1.0` into
/// its upper half so that clients restarted together spread out.
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    if attempt == 0 {
        return Duration::ZERO;
    }
    let base = Duration::from_secs(1u64 << (attempt - 1).min(5)).min(MAX_BACKOFF);
    base.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// Runs until `requests` closes. `connector` is a `SocketAddr` for plain TCP.
pub async fn run(
    link: Link,
    mut requests: mpsc::Receiver<Request>,
    reports: mpsc::Sender<NetEvent>,
) {
    while let Some(request) = requests.recv().await {
        let Request::Connect { login, attempt } = request else {
            continue;
        };
        if count_down(backoff(attempt, fastrand::f64()), &reports)
            .await
            .is_err()
        {
            return;
        }
        if session(&link, &login, &mut requests, &reports)
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Reports the seconds left once a second while waiting.
async fn count_down(wait: Duration, reports: &mpsc::Sender<NetEvent>) -> Result<(), Gone> {
    let mut left = wait;
    while !left.is_zero() {
        report(reports, NetEvent::RetryIn(left.as_secs_f64().ceil() as u64)).await?;
        let step = left.min(Duration::from_secs(1));
        tokio::time::sleep(step).await;
        left -= step;
    }
    Ok(())
}

/// The app has gone away; stop.
struct Gone;

async fn report(reports: &mpsc::Sender<NetEvent>, event: NetEvent) -> Result<(), Gone> {
    reports.send(event).await.map_err(|_| Gone)
}

/// One connection, from connect to close.
async fn session(
    link: &Link,
    login: &Login,
    requests: &mut mpsc::Receiver<Request>,
    reports: &mpsc::Sender<NetEvent>,
) -> Result<(), Gone> {
    report(reports, NetEvent::Connecting).await?;
    let (read, write) = match link.connector.connect().await {
        Ok(halves) => halves,
        Err(err) => {
            let event = match super::tls::untrusted(&err) {
                Some(why) => NetEvent::Untrusted(why.to_string()),
                None => NetEvent::ConnectFailed(err.to_string()),
            };
            return report(reports, event).await;
        }
    };
    report(reports, NetEvent::Connected).await?;
    let lines = FramedRead::new(read, LineCodec::new(MAX_LINE_BYTES));
    let why = pump(lines, write, link.join_wait, login, requests, reports).await?;
    report(reports, NetEvent::Closed(why)).await
}

/// Moves lines both ways until the link ends; returns why it ended.
/// Reports [`NetEvent::JoinWaitOver`] once, `join_wait` after connecting.
async fn pump(
    mut lines: FramedRead<Reader, LineCodec>,
    mut write: Writer,
    join_wait: Duration,
    login: &Login,
    requests: &mut mpsc::Receiver<Request>,
    reports: &mpsc::Sender<NetEvent>,
) -> Result<String, Gone> {
    let wait = tokio::time::sleep(join_wait);
    tokio::pin!(wait);
    let mut waiting = true;
    let mut greeted = false;
    loop {
        tokio::select! {
            () = &mut wait, if waiting => {
                waiting = false;
                report(reports, NetEvent::JoinWaitOver).await?;
            }
            frame = lines.next() => match frame {
                Some(Ok(Frame::Line(line))) => {
                    if !greeted {
                        greeted = true;
                        let first = if line.starts_with("-- ") { &login.chatty[..] } else { std::slice::from_ref(&login.other) };
                        for text in first {
                            if let Err(err) = send(&mut write, text).await {
                                return Ok(err.to_string());
                            }
                        }
                    }
                    report(reports, NetEvent::Line(line)).await?;
                }
                Some(Ok(Frame::TooLong)) => report(reports, NetEvent::TooLong).await?,
                Some(Err(err)) => return Ok(err.to_string()),
                None => return Ok("closed by the server".to_owned()),
            },
            request = requests.recv() => match request {
                Some(Request::Send(line)) => {
                    if let Err(err) = send(&mut write, &line).await {
                        return Ok(err.to_string());
                    }
                }
                Some(Request::Connect { .. }) => {}
                None => return Err(Gone),
            },
        }
    }
}

/// Writes one line; the flush puts TLS records on the wire (free on TCP).
async fn send(write: &mut Writer, line: &str) -> std::io::Result<()> {
    write.write_all(format!("{line}\n").as_bytes()).await?;
    write.flush().await
}

#[cfg(test)]
mod tests;
