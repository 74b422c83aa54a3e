//! The TLS listener: rustls and `openssl s_client` clients chatting with
//! plain ones, the handshake deadline, the kept certificate, `--addr none`.

use std::io::{BufRead as _, Write as _};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tokio::io::AsyncReadExt as _;

use crate::helpers::{Chatty, TlsLines, TlsRoom, fingerprint_of};
use crate::support::{self, DEADLINE, LineClient, WELCOME, wait_child};

#[tokio::test]
async fn a_rustls_client_chats_with_a_plain_client_in_the_same_room() {
    let room = TlsRoom::start(support::config()).await;
    let mut alice = TlsLines::connect(room.tls, &room.cert_pem()).await;
    assert_eq!(alice.fingerprint, room.fingerprint);
    assert_eq!(alice.fingerprint, fingerprint_of(&room.cert_pem()));
    alice.expect(WELCOME).await;
    alice.send("alice").await;
    alice.expect("-- you are alice").await;
    alice.expect("-- online (1): alice").await;
    let mut bob = LineClient::connect(room.plain).await;
    bob.login("bob").await;
    alice.expect("-- bob has arrived").await;
    alice.send("hello over TLS, 你好 👋").await;
    bob.expect("alice: hello over TLS, 你好 👋").await;
    alice.expect("alice: hello over TLS, 你好 👋").await;
    bob.send("hi alice").await;
    bob.expect("bob: hi alice").await;
    alice.expect("bob: hi alice").await;
    alice.send("/quit done").await;
    alice.expect("-- bye (quit)").await;
    assert_eq!(alice.next_line().await, None);
    bob.expect("-- alice has left (quit: done)").await;
    room.stop().await;
}

#[tokio::test]
async fn a_silent_tls_client_loses_its_slot_at_the_login_timeout() {
    let config = chatty::server::Config {
        login_timeout: Duration::from_millis(300),
        ..support::config()
    };
    let room = TlsRoom::start(config).await;
    let mut silent = tokio::net::TcpStream::connect(room.tls).await.expect("tcp");
    let mut rest = Vec::new();
    let read = tokio::time::timeout(DEADLINE, silent.read_to_end(&mut rest)).await;
    assert!(read.expect("closed in time").is_ok());
    assert!(rest.is_empty(), "no handshake, nothing sent: {rest:?}");
    room.stop().await;
}

/// `openssl`, or `None` with a notice (a failure under CI).
fn openssl() -> Option<&'static str> {
    if Command::new("openssl").arg("version").output().is_ok() {
        return Some("openssl");
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "openssl is required under CI"
    );
    eprintln!("notice: openssl is not installed; skipping the s_client test");
    None
}

// The server runs on other threads while this one waits for openssl.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_s_client_joins_and_receives_lines() {
    let Some(openssl) = openssl() else { return };
    let room = TlsRoom::start(support::config()).await;
    let mut bob = LineClient::connect(room.plain).await;
    bob.login("bob").await;
    let cert = room.cert_pem();
    let mut child = Command::new(openssl)
        .args(["s_client", "-quiet", "-verify_return_error", "-CAfile"])
        .arg(&cert)
        .args(["-connect", &room.tls.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start openssl");
    let mut input = child.stdin.take().expect("stdin");
    let output = child.stdout.take().expect("stdout");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(output)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines.send(line);
        }
    });
    let next = || received.recv_timeout(DEADLINE).expect("a line in time");
    assert_eq!(next(), WELCOME);
    // A line starting with Q or R would be a command without -quiet.
    writeln!(input, "Quentin").expect("name");
    assert_eq!(next(), "-- you are Quentin");
    assert_eq!(next(), "-- online (2): bob, Quentin");
    bob.expect("-- Quentin has arrived").await;
    bob.send("Right, welcome").await;
    bob.expect("bob: Right, welcome").await;
    assert_eq!(next(), "bob: Right, welcome");
    writeln!(input, "Ready.").expect("line");
    bob.expect("Quentin: Ready.").await;
    writeln!(input, "/quit").expect("quit");
    assert_eq!(next(), "Quentin: Ready.");
    assert_eq!(next(), "-- bye (quit)");
    assert!(wait_child(&mut child).success(), "openssl ends cleanly");
    room.stop().await;
}

#[test]
fn the_self_signed_certificate_is_kept_and_reused_after_a_restart() {
    let state = tempfile::tempdir().expect("state");
    let args = [
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--tls-addr",
        "127.0.0.1:0",
    ];
    let env = [("XDG_STATE_HOME", state.path())];
    let mut first = Chatty::start(&args, &env);
    let made = first.fingerprint();
    first.wait_for("listening for TLS on ");
    first.terminate();
    let (status, _) = first.finish();
    assert!(status.success());
    let cert = state.path().join("chatty").join("cert.pem");
    assert_eq!(made, fingerprint_of(&cert).to_string());
    let hex = made.strip_prefix("sha256:").expect("prefix");
    assert_eq!(hex.len(), 64);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let mut second = Chatty::start(&args, &env);
    second.wait_for("self-signed certificate reused");
    assert_eq!(second.fingerprint(), made);
}

#[tokio::test]
async fn addr_none_serves_tls_only() {
    let state = tempfile::tempdir().expect("state");
    let args = ["serve", "--addr", "none", "--tls-addr", "127.0.0.1:0"];
    let mut server = Chatty::start(&args, &[("XDG_STATE_HOME", state.path())]);
    let addr = server.addr_after("listening for TLS on ");
    let cert = state.path().join("chatty").join("cert.pem");
    let mut alice = TlsLines::connect(addr, &cert).await;
    alice.expect(WELCOME).await;
    server.terminate();
    let (status, log) = server.finish();
    assert!(status.success(), "{log}");
    assert!(!log.contains("listening on "), "no plain listener: {log}");
}

#[test]
fn addr_none_alone_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_chatty"))
        .args(["serve", "--addr", "none"])
        .env("RUST_LOG", "off")
        .output()
        .expect("run chatty");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("--tls-addr"), "{stderr}");
}

#[tokio::test]
async fn tls_1_2_is_still_accepted() {
    let room = TlsRoom::start(support::config()).await;
    let tls12 = &[&rustls::version::TLS12];
    let mut old = TlsLines::connect_with(room.tls, &room.cert_pem(), tls12).await;
    assert_eq!(old.version, rustls::ProtocolVersion::TLSv1_2);
    old.expect(WELCOME).await;
    let new = TlsLines::connect(room.tls, &room.cert_pem()).await;
    assert_eq!(new.version, rustls::ProtocolVersion::TLSv1_3);
    room.stop().await;
}

#[tokio::test]
async fn both_listeners_share_the_connection_slots_and_tls_hears_server_full() {
    let config = chatty::server::Config {
        max_clients: 1,
        ..support::config()
    };
    let room = TlsRoom::start(config).await;
    let mut bob = LineClient::connect(room.plain).await;
    bob.login("bob").await;
    let mut late = TlsLines::connect(room.tls, &room.cert_pem()).await;
    late.expect("-- bye (server full)").await;
    assert_eq!(late.next_line().await, None);
    room.stop().await;
}

#[tokio::test]
async fn an_operators_certificate_and_key_are_used() {
    let dir = tempfile::tempdir().expect("dir");
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let (cert, key) = (
        dir.path().join("fullchain.pem"),
        dir.path().join("privkey.pem"),
    );
    std::fs::write(&cert, made.cert.pem()).expect("cert");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("key");
    let (cert_arg, key_arg) = (cert.display().to_string(), key.display().to_string());
    let args = [
        "serve",
        "--addr",
        "none",
        "--tls-addr",
        "127.0.0.1:0",
        "--tls-cert",
        &cert_arg,
        "--tls-key",
        &key_arg,
    ];
    let state = dir.path().join("state");
    let mut server = Chatty::start(&args, &[("XDG_STATE_HOME", &state)]);
    assert_eq!(server.fingerprint(), fingerprint_of(&cert).to_string());
    let addr = server.addr_after("listening for TLS on ");
    let mut alice = TlsLines::connect(addr, &cert).await;
    alice.expect(WELCOME).await;
    assert!(!state.exists(), "no self-signed certificate made");
}

#[test]
fn a_certificate_needs_its_key_and_a_tls_address() {
    for args in [
        &["serve", "--tls-addr", "127.0.0.1:0", "--tls-cert", "c.pem"][..],
        &["serve", "--tls-addr", "127.0.0.1:0", "--tls-key", "k.pem"][..],
        &["serve", "--tls-cert", "c.pem", "--tls-key", "k.pem"][..],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_chatty"))
            .args(args)
            .output()
            .expect("run chatty");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
