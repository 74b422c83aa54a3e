//! The real `chatty serve` on a bad day: its log pipe broken or full, the
//! open-files limit reached.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{ChildStderr, Command, Stdio};
use std::sync::mpsc;

use support::{DEADLINE, LineClient, ServerProcess, WELCOME};

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

/// As `chatty serve 2>&1 | head -c 0`: stdout and stderr are one pipe,
/// and its reader is gone.
#[tokio::test]
async fn a_broken_pipe_on_stdout_and_stderr_does_not_stop_the_room() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    let child = Command::new(env!("CARGO_BIN_EXE_chatty"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--rate",
            "0",
            "--linger",
            "100ms",
        ])
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(writer.try_clone().expect("clone"))
        .stderr(writer)
        .spawn()
        .expect("start chatty serve");
    let mut output = BufReader::new(reader);
    let addr = loop {
        let mut line = String::new();
        assert!(output.read_line(&mut line).expect("read") > 0, "no address");
        if let Some(at) = line.find("listening on ") {
            break line[at + 13..].trim().parse().expect("address");
        }
    };
    drop(output);
    room_still_serves_and_stops(ServerProcess { child, addr }).await;
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

/// Started with 64 open files allowed, the server takes no more clients
/// than that leaves room for, refuses the rest with a bye instead of
/// leaving them in the backlog, and logs the refusals as a count.
#[tokio::test]
async fn at_the_open_files_limit_newcomers_hear_the_server_is_full() {
    let (mut server, stderr) = ServerProcess::start_command(
        Command::new("sh")
            .args(["-c", "ulimit -n 64 && exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_chatty"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--rate",
                "0",
                "--linger",
                "100ms",
            ]),
    );
    let log = read_lines_in_background(stderr);
    let mut welcomed = Vec::new();
    let mut refused = 0;
    for _ in 0..100 {
        let mut client = LineClient::connect(server.addr).await;
        match client.next_line().await.as_deref() {
            Some(WELCOME) => welcomed.push(client),
            Some("-- bye (server full)") => {
                client.expect_end().await;
                refused += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let cap_line = log
        .iter()
        .find(|line| line.contains("clients at most"))
        .expect("the cap is logged");
    let cap: usize = cap_line
        .split("clients at most")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a number in {cap_line:?}"));
    assert!((8..64).contains(&cap), "{cap_line}");
    assert_eq!((welcomed.len(), refused), (cap, 100 - cap));
    // Those inside are still served.
    let mut alice = welcomed.pop().expect("one welcomed");
    alice.send("alice").await;
    alice.expect("-- you are alice").await;
    server.signal("TERM");
    assert_eq!(server.wait().code(), Some(0));
    let refusals: Vec<String> = log.iter().filter(|l| l.contains("refused")).collect();
    assert!(refusals.len() <= 2, "{refusals:#?}");
    assert!(
        refusals
            .iter()
            .any(|l| l.contains(&format!("{refused} connections refused"))),
        "{refusals:#?}"
    );
}

/// Lines of `stderr` as they come, each waited for up to the deadline.
fn read_lines_in_background(stderr: BufReader<ChildStderr>) -> Lines {
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    Lines(received)
}

struct Lines(mpsc::Receiver<String>);

impl Lines {
    /// The next line, or `None` at the end or after the deadline.
    fn next(&self) -> Option<String> {
        self.0.recv_timeout(DEADLINE).ok()
    }

    fn iter(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::from_fn(|| self.next())
    }
}
