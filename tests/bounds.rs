//! The server's bounds under pressure: replies that are never skipped,
//! the global budget for queued bytes, and flood control charged by the
//! bytes a command makes the server send.

mod support;

use chatty::server::Config;
use std::time::Duration;

use support::{LineClient, TestServer, config};

/// Connects with a tiny receive buffer, so the server's writes back up fast.
async fn slow_client(server: &TestServer) -> LineClient {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let stream = socket.connect(server.addr).await.expect("connect");
    LineClient::from_stream(stream)
}

/// Sends `count` lines of `size` bytes from `sender` while draining its
/// copies, then waits for its own pong: every line has reached the room.
/// Returns the sending half, so the sender stays in the room.
async fn flood(sender: LineClient, count: usize, size: usize) -> impl Drop {
    let (mut echoes, mut writer) = sender.into_parts();
    let drain = tokio::spawn(async move {
        let mut line = String::new();
        loop {
            line.clear();
            match tokio::io::AsyncBufReadExt::read_line(&mut echoes, &mut line).await {
                Ok(0) | Err(_) => return false,
                Ok(_) if line == "-- pong\n" => return true,
                Ok(_) => {}
            }
        }
    });
    let payload = "p".repeat(size);
    for i in 0..count {
        let line = format!("{i} {payload}\n");
        tokio::io::AsyncWriteExt::write_all(&mut writer, line.as_bytes())
            .await
            .expect("send");
    }
    tokio::io::AsyncWriteExt::write_all(&mut writer, b"/ping\n")
        .await
        .expect("ping");
    let pong = tokio::time::timeout(support::DEADLINE, drain).await;
    assert!(pong.expect("in time").expect("drain"), "the sender's pong");
    writer
}

/// A client whose queue is full still gets its pong, after the count of
/// what it missed: `/ping` stays a barrier.
#[tokio::test]
async fn ping_is_a_barrier_even_when_the_queue_is_full() {
    let server = TestServer::start(Config {
        max_line_bytes: 32 * 1024,
        queue_lines: 8,
        ..config()
    })
    .await;
    let mut slow = slow_client(&server).await;
    slow.login("slow").await;
    // 8 MB: more than the kernel's socket buffers can hold.
    let _sender = flood(server.join("sender").await, 400, 20_000).await;
    slow.send("/ping").await;
    let before = slow.read_until("-- pong").await;
    let last = before.last().expect("lines before the pong");
    assert!(
        last.ends_with(" messages skipped"),
        "the skipped count comes right before the pong: {last:?}"
    );
    server.stop().await;
}

/// Per-client bounds far beyond the global budget: the slow reader's
/// queue stops near half the budget and it is told what it missed, while
/// a reader that keeps up gets far more of the lines.
#[tokio::test]
async fn the_queue_budget_skips_the_slow_reader_first() {
    let server = TestServer::start(Config {
        queue_lines: 100_000,
        queue_bytes: 64 << 20,
        // Its second half holds 100 lines for the readers that keep up.
        queue_budget: 4 << 20,
        max_line_bytes: 32 * 1024,
        ..config()
    })
    .await;
    let mut slow = slow_client(&server).await;
    slow.login("slow").await;
    let mut reader = server.join("reader").await;
    // 16 MB: more than the budget and the kernel's buffers together.
    let count = 800;
    let reading = tokio::spawn(async move {
        let mut lines = Vec::new();
        while tally(&lines).0 + tally(&lines).1 < count {
            lines.push(reader.next_line().await.expect("line"));
        }
        tally(&lines)
    });
    let _sender = flood(server.join("sender").await, count, 20_000).await;
    let (read, missed) = reading.await.expect("reader");
    assert_eq!(read + missed, count, "the reader is told what it missed");
    slow.send("/ping").await;
    let (slow_read, slow_missed) = tally(&slow.read_until("-- pong").await);
    assert!(
        slow_missed > 0,
        "the budget made the slow reader skip lines"
    );
    assert_eq!(slow_read + slow_missed, count);
    assert!(
        read > slow_read,
        "the slow reader is skipped first: {read} vs {slow_read}"
    );
    server.stop().await;
}

/// Lines from the sender received, and lines told as skipped.
fn tally(lines: &[String]) -> (usize, usize) {
    let read = lines.iter().filter(|l| l.starts_with("sender: ")).count();
    let missed = lines
        .iter()
        .filter_map(|l| l.strip_prefix("-- ")?.strip_suffix(" messages skipped"))
        .map(|n| n.parse::<usize>().expect("count"))
        .sum();
    (read, missed)
}

/// `/names` in a large room costs flood control what its reply weighs:
/// a client spamming it gets a few rosters a second, not one per line.
#[tokio::test]
async fn names_spam_is_slowed_by_the_bytes_it_buys() {
    let (rate, burst) = (20, 10);
    let server = TestServer::start(Config {
        rate,
        burst,
        ..config()
    })
    .await;
    let mut members = Vec::new();
    for i in 0..100 {
        members.push(server.join(&format!("member{i:0>18}")).await);
    }
    let mut spammer = server.join("spammer").await;
    let window = Duration::from_secs(1);
    let start = tokio::time::Instant::now();
    spammer.send_bytes("/names\n".repeat(200).as_bytes()).await;
    let mut rosters = 0;
    while let Ok(Some(line)) = tokio::time::timeout_at(start + window, spammer.next_line()).await {
        if line.starts_with("-- online (101): ") {
            rosters += 1;
        }
    }
    // Without charging, the bucket allows burst + rate * window = 30
    // lines, so 30 rosters; each roster of about 2.6 KB costs 2.5 lines
    // more, so about 8 fit the window.
    let lines_allowed = burst as f64 + f64::from(rate) * window.as_secs_f64();
    assert!(rosters > 0, "the first rosters arrive");
    assert!(
        f64::from(rosters) < lines_allowed / 2.0,
        "{rosters} rosters in {window:?}: the reply bytes were not charged"
    );
    server.stop().await;
}
