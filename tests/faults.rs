//! The real `chatty serve` on a bad day: its log pipe broken or full.

mod support;

use support::{LineClient, ServerProcess};

/// Joins alice and bob, has them talk, then ends the server with SIGTERM:
/// every step must work and the exit must be clean.
async fn room_still_serves_and_stops(mut server: ServerProcess) {
    let mut alice = LineClient::connect(server.addr).await;
    alice.login("alice").await;
    let mut bob = LineClient::connect(server.addr).await;
    bob.login("bob").await;
    alice.expect("-- bob has arrived").await;
    bob.send("still here?").await;
    alice.expect("bob: still here?").await;
    bob.expect("bob: still here?").await;
    server.signal("TERM");
    for client in [&mut alice, &mut bob] {
        client.expect("-- bye (server shutting down)").await;
        client.expect_end().await;
    }
    assert_eq!(server.wait().code(), Some(0));
}

#[tokio::test]
async fn a_broken_log_pipe_does_not_stop_the_room() {
    let (server, stderr) = ServerProcess::start_with_stderr(&["--rate", "0"]);
    // The reader of `chatty serve 2>&1 | ...` went away.
    drop(stderr);
    room_still_serves_and_stops(server).await;
}

#[tokio::test]
async fn a_full_log_pipe_does_not_stall_the_room() {
    let (server, stderr) = ServerProcess::start_with_stderr(&["--rate", "0"]);
    // Nobody reads the log: each rename logs a line of about 80 bytes, so
    // 2,000 of them overfill a 64 KiB pipe many times.
    let mut carol = LineClient::connect(server.addr).await;
    carol.login("carol").await;
    let mut name = "carol".to_owned();
    for i in 0..2000 {
        let new = format!("c{i}");
        carol.send(&format!("/nick {new}")).await;
        carol
            .expect(&format!("-- {name} is now known as {new}"))
            .await;
        name = new;
    }
    room_still_serves_and_stops(server).await;
    drop(stderr);
}
