//! Tests of the socket task against real loopback listeners, each bounded in time.

use super::*;

#[test]
fn backoff_starts_near_a_second_and_caps() {
    assert_eq!(backoff(0, 0.7), Duration::ZERO);
    assert!(backoff(1, 0.0) >= Duration::from_millis(500));
    assert!(backoff(1, 1.0) <= Duration::from_secs(1));
    assert_eq!(backoff(3, 1.0), Duration::from_secs(4));
    for attempt in 1..100 {
        assert!(backoff(attempt, 1.0) <= MAX_BACKOFF);
    }
    assert_eq!(backoff(50, 1.0), MAX_BACKOFF);
}

/// Fails a test that has not finished in 10 s instead of hanging.
async fn bounded(test: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(10), test)
        .await
        .expect("finished in time");
}

/// Starts the socket task and asks it to connect to `addr` as alice.
async fn connect_as_alice(
    addr: std::net::SocketAddr,
) -> (mpsc::Sender<Request>, mpsc::Receiver<NetEvent>) {
    connect_waiting(addr, Duration::from_secs(60)).await
}

/// The same, with the given wait for `-- you are`.
async fn connect_waiting(
    addr: std::net::SocketAddr,
    join_wait: Duration,
) -> (mpsc::Sender<Request>, mpsc::Receiver<NetEvent>) {
    let (requests, requests_rx) = mpsc::channel(8);
    let (reports_tx, reports) = mpsc::channel(8);
    let link = Link {
        connector: addr.into(),
        join_wait,
    };
    tokio::spawn(run(link, requests_rx, reports_tx));
    let connect = Request::Connect {
        login: Login {
            chatty: vec!["/tags".into(), "alice".into()],
            other: "alice".into(),
        },
        attempt: 0,
    };
    requests.send(connect).await.expect("send");
    (requests, reports)
}

#[tokio::test]
async fn talks_to_a_server_and_reports_the_close() {
    bounded(talks_to_a_server()).await;
}

async fn talks_to_a_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (requests, mut reports) = connect_as_alice(addr).await;
    let (mut peer, _) = listener.accept().await.expect("accept");
    peer.write_all(b"-- welcome\n").await.expect("write");
    let mut got = vec![0; 12];
    tokio::io::AsyncReadExt::read_exact(&mut peer, &mut got)
        .await
        .expect("name");
    assert_eq!(got, b"/tags\nalice\n", "tags, then the name");
    assert_eq!(reports.recv().await, Some(NetEvent::Connecting));
    assert_eq!(reports.recv().await, Some(NetEvent::Connected));
    assert_eq!(
        reports.recv().await,
        Some(NetEvent::Line("-- welcome".into()))
    );
    peer.write_all(b"-- you are alice\n").await.expect("write");
    assert_eq!(
        reports.recv().await,
        Some(NetEvent::Line("-- you are alice".into()))
    );
    requests
        .send(Request::Send("hi".into()))
        .await
        .expect("send");
    let mut got = vec![0; 3];
    tokio::io::AsyncReadExt::read_exact(&mut peer, &mut got)
        .await
        .expect("hi");
    assert_eq!(got, b"hi\n");
    drop(peer);
    assert!(matches!(reports.recv().await, Some(NetEvent::Closed(_))));
}

#[tokio::test]
async fn unreachable_is_reported() {
    bounded(unreachable()).await;
}

async fn unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let (_requests, mut reports) = connect_as_alice(addr).await;
    assert_eq!(reports.recv().await, Some(NetEvent::Connecting));
    assert!(matches!(
        reports.recv().await,
        Some(NetEvent::ConnectFailed(_))
    ));
}

#[tokio::test]
async fn the_join_wait_is_reported_once() {
    bounded(join_wait_reported()).await;
}

async fn join_wait_reported() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (_requests, mut reports) = connect_waiting(addr, Duration::from_millis(100)).await;
    let (mut peer, _) = listener.accept().await.expect("accept");
    peer.write_all(b"You are 127.0.0.1:5555\n")
        .await
        .expect("write");
    assert_eq!(reports.recv().await, Some(NetEvent::Connecting));
    assert_eq!(reports.recv().await, Some(NetEvent::Connected));
    assert_eq!(
        reports.recv().await,
        Some(NetEvent::Line("You are 127.0.0.1:5555".into()))
    );
    assert_eq!(reports.recv().await, Some(NetEvent::JoinWaitOver));
    peer.write_all(b"127.0.0.1:6666 has arrived\n")
        .await
        .expect("write");
    assert!(matches!(reports.recv().await, Some(NetEvent::Line(_))));
}

#[test]
fn the_largest_legal_roster_is_read_whole() {
    use bytes::BytesMut;
    use tokio_util::codec::Decoder;
    // 3,000 members with 24-character names of 4-byte characters.
    let name = "𝒜".repeat(crate::protocol::name::MAX_NAME_CHARS);
    let names = vec![name.as_str(); 3_000].join(", ");
    let line = format!("-- online (3000): {names}\n");
    let mut buf = BytesMut::from(line.as_bytes());
    let frame = LineCodec::new(MAX_LINE_BYTES).decode(&mut buf);
    assert!(matches!(frame, Ok(Some(Frame::Line(_)))), "read whole");
    let widest = ROSTER_HEAD + MAX_ROOM * (24 * 4 + 2);
    assert!(MAX_LINE_BYTES >= widest);
}

#[test]
fn the_room_bound_is_the_servers() {
    use clap::Parser;
    let parse = |n: usize| {
        crate::cli::Cli::try_parse_from(["chatty", "serve", "--max-clients", &n.to_string()])
    };
    assert!(parse(MAX_ROOM).is_ok());
    assert!(parse(MAX_ROOM + 1).is_err());
}
