//! Trust on first use: the client's connector against a real TLS room, and
//! the real `chatty join` asking, pinning and refusing.

use std::path::Path;
use std::process::{Command, Output};

use chatty::cli::parse_server_addr;
use chatty::client::tls::{KnownServers, Untrusted, connector, untrusted};

use crate::helpers::{Chatty, TlsLines, TlsRoom};
use crate::support::{self, WELCOME};
use crate::tmux::Tmux;

/// The room's TLS address as a user types it (an IP, so that no resolver
/// can pick `::1` where nothing listens).
fn typed(room: &TlsRoom) -> String {
    room.tls.to_string()
}

#[tokio::test]
async fn an_unknown_certificate_is_refused_until_pinned_and_a_changed_one_after() {
    let room = TlsRoom::start(support::config()).await;
    let data = tempfile::tempdir().expect("data");
    let known = KnownServers::new(data.path().join("known_servers"));
    let server = parse_server_addr(&typed(&room)).expect("addr");
    let link = connector(&server, None, known.clone()).expect("connector");
    let err = link.connect().await.err().expect("refused while unknown");
    let expected = Untrusted::Unknown {
        server: typed(&room),
        fingerprint: room.fingerprint,
        file: known.path().display().to_string(),
    };
    assert_eq!(untrusted(&err), Some(expected));
    known.add(&typed(&room), room.fingerprint).expect("pin");
    link.connect().await.expect("pinned: accepted");

    let other = TlsRoom::start(support::config()).await;
    let moved = parse_server_addr(&typed(&other)).expect("addr");
    known.add(&typed(&other), room.fingerprint).expect("pin");
    let link = connector(&moved, None, known.clone()).expect("connector");
    let err = link.connect().await.err().expect("refused: changed");
    let message = err.to_string();
    for part in [
        room.fingerprint.to_string(),
        other.fingerprint.to_string(),
        known.path().display().to_string(),
    ] {
        assert!(message.contains(&part), "{message} lacks {part}");
    }
    room.stop().await;
    other.stop().await;
}

#[tokio::test]
async fn a_certificate_from_a_trusted_authority_needs_no_pin() {
    let room = TlsRoom::start(support::config()).await;
    let data = tempfile::tempdir().expect("data");
    let known = KnownServers::new(data.path().join("known_servers"));
    let server = parse_server_addr(&typed(&room)).expect("addr");
    let link = connector(&server, Some(&room.cert_pem()), known.clone()).expect("connector");
    let (read, _write) = link.connect().await.expect("accepted by --tls-ca");
    let mut lines = tokio::io::BufReader::new(read);
    let mut line = String::new();
    let read = tokio::io::AsyncBufReadExt::read_line(&mut lines, &mut line);
    tokio::time::timeout(support::DEADLINE, read)
        .await
        .expect("in time")
        .expect("read");
    assert_eq!(line, format!("{WELCOME}\n"));
    assert!(!known.path().exists(), "nothing pinned");
    room.stop().await;
}

/// `chatty join --tls` with no terminal, its data under `data`.
fn join_without_a_terminal(addr: &str, data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chatty"))
        .args(["join", "--tls", "--name", "alice", "--addr", addr])
        .env("XDG_DATA_HOME", data)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run chatty join")
}

// The room runs on other threads while this one waits for the client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_refuses_an_unknown_certificate_without_a_terminal_to_ask_on() {
    let room = TlsRoom::start(support::config()).await;
    let data = tempfile::tempdir().expect("data");
    let output = join_without_a_terminal(&typed(&room), data.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no terminal to ask on"), "{stderr}");
    assert!(stderr.contains(&room.fingerprint.to_string()), "{stderr}");
    assert!(!data.path().join("chatty").exists(), "nothing pinned");
    room.stop().await;
}

#[test]
fn join_refuses_a_changed_certificate_naming_both_fingerprints() {
    let state = tempfile::tempdir().expect("state");
    let args = ["serve", "--addr", "none", "--tls-addr", "127.0.0.1:0"];
    let mut server = Chatty::start(&args, &[("XDG_STATE_HOME", state.path())]);
    let presented = server.fingerprint();
    let addr = server.addr_after("listening for TLS on ").to_string();
    let data = tempfile::tempdir().expect("data");
    let pinned = format!("sha256:{}", "ab".repeat(32));
    let file = data.path().join("chatty").join("known_servers");
    std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
    std::fs::write(&file, format!("# mine\n{addr} {pinned}\n")).expect("pin");
    let output = join_without_a_terminal(&addr, data.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for part in [
        "has changed",
        &pinned,
        &presented,
        &file.display().to_string(),
    ] {
        assert!(stderr.contains(part), "{stderr} lacks {part}");
    }
}

/// `chatty join --tls` as alice in tmux, its data under `data`.
fn join_in_tmux(room: &TlsRoom, data: &Path) -> Option<Tmux> {
    let command = format!(
        "XDG_DATA_HOME='{}' '{}' join --tls --name alice --addr {}; echo EXIT=$?; sleep 30",
        data.display(),
        env!("CARGO_BIN_EXE_chatty"),
        typed(room)
    );
    Tmux::start(&command)
}

#[tokio::test]
async fn join_asks_on_the_terminal_and_saves_nothing_on_no() {
    let room = TlsRoom::start(support::config()).await;
    let data = tempfile::tempdir().expect("data");
    let Some(tmux) = join_in_tmux(&room, data.path()) else {
        return;
    };
    tmux.wait_for_text("[y/N]").await;
    tmux.keys(&["n", "Enter"]);
    let screen = tmux.wait_for_text("EXIT=1").await;
    assert!(
        screen.contains("was not trusted; nothing was saved"),
        "{screen}"
    );
    assert!(!data.path().join("chatty").exists(), "nothing pinned");
    room.stop().await;
}

#[tokio::test]
async fn join_asks_on_the_terminal_pins_on_yes_and_then_chats() {
    let room = TlsRoom::start(support::config()).await;
    let data = tempfile::tempdir().expect("data");
    let Some(tmux) = join_in_tmux(&room, data.path()) else {
        return;
    };
    let screen = tmux.wait_for_text("[y/N]").await;
    assert!(screen.contains(&room.fingerprint.to_string()), "{screen}");
    tmux.keys(&["y", "Enter"]);
    tmux.wait_for_text("-- you are alice").await;
    let file = data.path().join("chatty").join("known_servers");
    let pinned = std::fs::read_to_string(&file).expect("pinned");
    assert_eq!(pinned, format!("{} {}\n", typed(&room), room.fingerprint));
    let mut bob = TlsLines::connect(room.tls, &room.cert_pem()).await;
    bob.expect(WELCOME).await;
    bob.send("bob").await;
    bob.expect("-- you are bob").await;
    bob.expect("-- online (2): alice, bob").await;
    bob.send("hi alice").await;
    tmux.wait_for_text("bob: hi alice").await;
    tmux.keys(&["-l", "/quit"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("EXIT=0").await;
    room.stop().await;
}
