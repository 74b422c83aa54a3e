//! The real `chatty` binary: flags and exit codes, signals, memory under a
//! hostile line, and a session through the real `nc`.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;

use support::{DEADLINE, LineClient, ServerProcess, wait_child};

fn chatty(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_chatty"))
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .expect("run chatty")
}

#[test]
fn bad_flags_exit_2_with_one_clear_line() {
    let cases: [(&[&str], &str); 4] = [
        (&["serve", "--addr", "nonsense"], "HOST:PORT"),
        (&["serve", "--queue", "0"], "--queue"),
        (&["serve", "--idle-timeout", "abc"], "not a duration"),
        (&["serve", "--login-timeout", "0"], "more than 0"),
    ];
    for (args, hint) in cases {
        let output = chatty(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(hint), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_port_in_use_exits_1_and_says_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let output = chatty(&["serve", "--addr", &addr]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot listen on") && stderr.contains("--addr"),
        "{stderr}"
    );
}

#[test]
fn help_names_every_serve_flag_with_its_default() {
    let output = chatty(&["serve", "--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--addr",
        "--max-line-bytes",
        "--login-timeout",
        "--idle-timeout",
        "--write-timeout",
        "--queue",
        "--queue-bytes",
        "--history",
        "--history-file",
        "--rate",
        "--burst",
        "--max-clients",
        "--linger",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    assert!(help.contains("[default: 127.0.0.1:8000]"));
    assert!(help.contains("[default: 5m]"));
}

#[tokio::test]
async fn sigterm_says_bye_to_everyone_and_exits_0() {
    let mut server = ServerProcess::start(&[]);
    let mut alice = LineClient::connect(server.addr).await;
    alice.login("alice").await;
    let mut bob = LineClient::connect(server.addr).await;
    bob.login("bob").await;
    alice.expect("-- bob has arrived").await;
    server.signal("TERM");
    for client in [&mut alice, &mut bob] {
        client.expect("-- bye (server shutting down)").await;
        client.expect_end().await;
    }
    assert_eq!(server.wait().code(), Some(0));
}

#[tokio::test]
async fn sigint_works_like_sigterm() {
    let mut server = ServerProcess::start(&[]);
    let mut alice = LineClient::connect(server.addr).await;
    alice.login("alice").await;
    server.signal("INT");
    alice.expect("-- bye (server shutting down)").await;
    alice.expect_end().await;
    assert_eq!(server.wait().code(), Some(0));
}

#[tokio::test]
async fn an_enormous_idle_timeout_means_never() {
    let server = ServerProcess::start(&["--idle-timeout", "500000000years"]);
    let mut alice = LineClient::connect(server.addr).await;
    alice.login("alice").await;
    alice.send("still fine").await;
    alice.expect("alice: still fine").await;
}

#[tokio::test]
async fn a_fifty_megabyte_line_keeps_memory_flat() {
    let server = ServerProcess::start(&["--rate", "0"]);
    let mut alice = LineClient::connect(server.addr).await;
    alice.login("alice").await;
    alice.sync().await;
    let before = server.rss_kib();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..50 {
        alice.send_bytes(&chunk).await;
    }
    alice.send_bytes(b"\nstill here\n").await;
    alice
        .expect("! line too long (over 4096 bytes), not sent")
        .await;
    alice.expect("alice: still here").await;
    let after = server.rss_kib();
    let growth = after.saturating_sub(before);
    assert!(
        growth < 20 * 1024,
        "server RSS grew {growth} KiB ({before} -> {after})"
    );
}

/// A session through the real `nc` (netcat-openbsd).
#[tokio::test]
async fn netcat_is_a_first_class_client() {
    if !nc_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "nc is required under CI (apt-get install netcat-openbsd)"
        );
        eprintln!("skipping: nc not installed");
        return;
    }
    let server = ServerProcess::start(&[]);
    let mut bob = LineClient::connect(server.addr).await;
    bob.login("bob").await;

    let mut nc = Command::new("nc")
        .args(["127.0.0.1", &server.addr.port().to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nc");
    let mut stdin = nc.stdin.take().expect("stdin");
    let lines = read_lines_in_background(nc.stdout.take().expect("stdout"));
    let expect = |wanted: &str| {
        let line = lines
            .recv_timeout(DEADLINE)
            .expect("nc prints a line in time");
        assert_eq!(line, wanted);
    };
    expect("-- welcome to chatty! what's your name?");
    writeln!(stdin, "alice").expect("type");
    expect("-- you are alice");
    expect("-- online (2): alice, bob");
    bob.expect("-- alice has arrived").await;
    writeln!(stdin, "Hi!").expect("type");
    expect("alice: Hi!");
    bob.expect("alice: Hi!").await;
    bob.send("/msg alice psst").await;
    expect("bob -> alice: psst");
    bob.expect("bob -> alice: psst").await;
    writeln!(stdin, "/quit bye all").expect("type");
    expect("-- bye (quit)");
    bob.expect("-- alice has left (quit: bye all)").await;
    // netcat-openbsd keeps reading its stdin after the server's close; a
    // person ends it with Ctrl-D.
    drop(stdin);
    let status = wait_child(&mut nc);
    assert!(status.success(), "nc exits cleanly");
}

fn nc_available() -> bool {
    Command::new("sh")
        .args(["-c", "command -v nc"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn read_lines_in_background(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    received
}
