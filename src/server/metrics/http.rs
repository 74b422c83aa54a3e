//! A minimal HTTP/1.1 responder for `GET /metrics`: one request per
//! connection, its head bounded in size and time, a few scrapes at once.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::registry::Registry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Largest request head read; a bigger one gets 431.
const MAX_REQUEST_BYTES: usize = 8 * 1024;
/// Time a scraper has to send its request and read the answer.
const DEADLINE: Duration = Duration::from_secs(5);
/// How long unread input is drained after the answer.
const DRAIN: Duration = Duration::from_secs(1);
/// Scrapes served at once; more connections wait in the kernel's queue.
const MAX_SCRAPES: usize = 8;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Serves `registry` at `/metrics` on `listener` until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    registry: Registry,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    let registry = Arc::new(registry);
    let scrapes = Arc::new(Semaphore::new(MAX_SCRAPES));
    loop {
        let permit = tokio::select! {
            permit = scrapes.clone().acquire_owned() => permit,
            () = shutdown.cancelled() => return,
        };
        let Ok(permit) = permit else { return };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let registry = registry.clone();
        tracker.spawn(async move {
            let _ = timeout(DEADLINE, answer(stream, &registry)).await;
            drop(permit);
        });
    }
}

async fn answer(mut stream: TcpStream, registry: &Registry) -> std::io::Result<()> {
    let response = match read_head(&mut stream).await? {
        Some(head) => respond(&head, registry),
        None => status("431 Request Header Fields Too Large"),
    };
    stream.write_all(&response).await?;
    stream.shutdown().await?;
    // Unread input would make the close a reset that can destroy the answer.
    let mut sink = [0u8; 1024];
    let drain = async {
        while stream.read(&mut sink).await? > 0 {}
        std::io::Result::Ok(())
    };
    timeout(DRAIN, drain).await.unwrap_or(Ok(()))
}

/// Reads up to the blank line that ends the head; `None` if it is too big.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        if head.len() > MAX_REQUEST_BYTES {
            return Ok(None);
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..read]);
    }
    Ok(Some(head))
}

fn respond(head: &[u8], registry: &Registry) -> Vec<u8> {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some("GET"), Some("/metrics")) => metrics(registry),
        (Some("GET"), Some(_)) => status("404 Not Found"),
        _ => status("405 Method Not Allowed"),
    }
}

fn metrics(registry: &Registry) -> Vec<u8> {
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, registry).is_err() {
        return status("500 Internal Server Error");
    }
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {OPENMETRICS}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(body.as_bytes());
    response
}

fn status(status: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
}
