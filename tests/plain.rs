//! `chatty join --plain` over pipes against a real server: lines in on
//! stdin go out, room lines come out on stdout with their time, no escape
//! codes at all, and the end of input leaves with status 0.

mod support;

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};
use tokio::time::timeout;

use support::{LineClient, ServerProcess};

const DEADLINE: Duration = Duration::from_secs(20);

fn plain(addr: std::net::SocketAddr, config_home: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_chatty"))
        .args(["join", "--plain", "--name", "alice", "--addr"])
        .arg(addr.to_string())
        .env("XDG_CONFIG_HOME", config_home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chatty runs")
}

/// Reads stdout lines until one ends with `wanted`; returns all read.
async fn read_until(out: &mut BufReader<ChildStdout>, wanted: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let mut line = String::new();
        let read = timeout(DEADLINE, out.read_line(&mut line))
            .await
            .unwrap_or_else(|_| panic!("waited for {wanted:?}; got {seen:?}"))
            .expect("read stdout");
        assert!(read > 0, "stdout ended before {wanted:?}; got {seen:?}");
        let line = line.trim_end_matches('\n').to_owned();
        assert!(!line.contains('\u{1b}'), "no escape codes: {line:?}");
        let done = line.ends_with(wanted);
        seen.push(line);
        if done {
            return seen;
        }
    }
}

/// `HH:MM ` and then the line.
fn is_stamped(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.len() > 6
        && bytes[2] == b':'
        && bytes[5] == b' '
        && bytes[..2].iter().all(u8::is_ascii_digit)
}

#[tokio::test]
async fn plain_mode_chats_over_pipes_and_leaves_at_the_end_of_input() {
    let server = ServerProcess::start(&[]);
    let config_home = tempfile::tempdir().expect("temp dir");
    let mut bob = LineClient::connect(server.addr).await;
    bob.login("bob").await;
    let mut child = plain(server.addr, config_home.path());
    let mut stdin = child.stdin.take().expect("stdin");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));

    // Typed before the client is in the room: it waits, then goes.
    stdin
        .write_all("hello from a pipe, 你好\n".as_bytes())
        .await
        .expect("write");
    bob.expect("-- alice has arrived").await;
    bob.expect("alice: hello from a pipe, 你好").await;
    let seen = read_until(&mut out, "alice: hello from a pipe, 你好").await;
    assert!(
        seen.iter().any(|l| l.ends_with("-- you are alice")),
        "{seen:?}"
    );
    assert!(seen.iter().all(|l| is_stamped(l)), "{seen:?}");

    // Hostile bytes from the network come out clean.
    bob.send("hi alice \u{1b}[31mred\u{1b}[0m 👋").await;
    let seen = read_until(&mut out, "👋").await;
    assert!(
        seen.last().is_some_and(|l| l.contains("bob: hi alice")),
        "{seen:?}"
    );

    drop(stdin);
    bob.read_until("-- alice has left (quit)").await;
    let status = timeout(DEADLINE, child.wait())
        .await
        .expect("exits in time")
        .expect("status");
    assert_eq!(status.code(), Some(0));
    drop(server);
}

#[tokio::test]
async fn slash_quit_leaves_with_status_zero() {
    let server = ServerProcess::start(&[]);
    let config_home = tempfile::tempdir().expect("temp dir");
    let mut bob = LineClient::connect(server.addr).await;
    bob.login("bob").await;
    let mut child = plain(server.addr, config_home.path());
    let mut stdin = child.stdin.take().expect("stdin");
    // Both at once, before the client is in the room: the line still goes
    // first, then the quit.
    stdin
        .write_all(b"last words\n/quit bye now\n")
        .await
        .expect("write");
    bob.expect("-- alice has arrived").await;
    bob.expect("alice: last words").await;
    bob.expect("-- alice has left (quit: bye now)").await;
    let status = timeout(DEADLINE, child.wait())
        .await
        .expect("exits in time, stdin still open")
        .expect("status");
    assert_eq!(status.code(), Some(0));
    drop(server);
}

#[tokio::test]
async fn the_end_of_input_with_no_server_says_what_was_not_sent() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let config_home = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatty"))
        .args(["join", "--plain", "--name", "alice", "--addr"])
        .arg(addr.to_string())
        .env("XDG_CONFIG_HOME", config_home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("chatty runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"one\ntwo\n").await.expect("write");
    drop(stdin);
    let out = timeout(DEADLINE, child.wait_with_output())
        .await
        .expect("exits in time")
        .expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("2 lines were not sent"), "{stderr}");
    assert!(!out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b));
}
