//! End to end: the real `chatty join` in tmux against a real `chatty
//! serve`, with a raw TCP client on the other side. Every wait polls the
//! screen or the socket until a condition holds or a deadline passes.
//!
//! Without tmux the test prints a notice and passes, except under CI
//! (`CI` set), where it fails.

mod support;
mod tmux;

use support::{LineClient, ServerProcess};
use tmux::{SCREEN_DEADLINE, Tmux};

/// The users pane is the right-hand box: text after the second `│`.
fn users_pane(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|row| row.split('│').nth(3))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn two_people_chat_through_the_tui_and_netcat() {
    let server = ServerProcess::start(&[]);
    let mut bob = LineClient::connect(server.addr).await;
    bob.login("bob").await;
    let command = format!(
        "{} join --name alice --addr {}; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_chatty"),
        server.addr
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };

    let screen = tmux
        .wait_for("both in the users pane", |s| s.contains("Users (2)"))
        .await;
    let users = users_pane(&screen);
    assert!(
        users.contains("• alice") && users.contains("bob"),
        "{users}"
    );
    assert!(screen.contains("connected │ alice"), "{screen}");
    bob.expect("-- alice has arrived").await;

    tmux.type_line("hello from the tui, 你好");
    bob.read_until("alice: hello from the tui, 你好").await;
    tmux.wait_for("own line", |s| {
        s.contains("› ") && s.contains("alice: hello from the tui")
    })
    .await;

    bob.send("hi alice, 👋 back").await;
    tmux.wait_for("bob's line", |s| s.contains("bob: hi alice, 👋 back"))
        .await;
    bob.send("/msg alice psst").await;
    tmux.wait_for("private line", |s| s.contains("[from bob] psst"))
        .await;

    // Terminals and unicode-width disagree on the width of these; nothing
    // may be left behind in the input line once it is sent.
    tmux.type_line("flags 🇯🇵 thumbs 👍🏽 family 👨‍👩‍👧");
    bob.read_until("alice: flags 🇯🇵 thumbs 👍🏽 family 👨‍👩‍👧").await;
    let screen = tmux
        .wait_for("the emoji line", |s| s.contains("alice: flags"))
        .await;
    let input = screen.lines().find(|row| row.starts_with('>'));
    assert_eq!(input.map(str::trim_end), Some(">"), "{screen}");

    tmux.type_line("/quit see you");
    bob.read_until("-- alice has left (quit: see you)").await;
    tmux.wait_for("exit status 0", |s| s.contains("EXIT=0"))
        .await;
    drop(server);
}

#[tokio::test]
async fn a_taken_name_is_replaced_from_the_input_line_and_resizes_are_survived() {
    let server = ServerProcess::start(&[]);
    let mut bob = LineClient::connect(server.addr).await;
    bob.login("bob").await;
    let command = format!(
        "{} join --name Bob --addr {}; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_chatty"),
        server.addr
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };

    tmux.wait_for("the refusal", |s| {
        s.contains("is taken") && s.contains("\nname>")
    })
    .await;
    tmux.type_line("bobby");
    tmux.wait_for("joined as bobby", |s| {
        s.contains("Users (2)") && s.contains("connected │ bobby")
    })
    .await;
    bob.expect("-- bobby has arrived").await;

    for (width, height) in [("40", "12"), ("300", "100"), ("100", "30")] {
        let out = tmux.run(&["resize-window", "-t", "0", "-x", width, "-y", height]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cols: usize = width.parse().expect("number");
        tmux.wait_for("a redraw at the new size", |s| {
            s.lines()
                .next()
                .is_some_and(|row| row.chars().count() == cols && row.ends_with('╮'))
        })
        .await;
    }
    bob.send("still there?").await;
    tmux.wait_for("a line after resizing", |s| s.contains("bob: still there?"))
        .await;

    tmux.type_line("/quit");
    tmux.wait_for("exit status 0", |s| s.contains("EXIT=0"))
        .await;
}

/// Runs `chatty join --name alice` against `addr` in a fresh tmux pane.
fn join_in_tmux(addr: &str, extra: &str) -> Option<Tmux> {
    Tmux::start(&format!(
        "{} join --name alice --addr {addr} {extra}; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_chatty"),
    ))
}

/// Starts `chatty serve` on `addr` (a port a server just left) and waits
/// until it accepts connections; killed when dropped.
async fn serve_again_at(addr: &str) -> KillOnDrop {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_chatty"))
        .args(["serve", "--addr", addr])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start chatty serve");
    let server = KillOnDrop(child);
    let start = std::time::Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            start.elapsed() < SCREEN_DEADLINE,
            "the server listens again"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn lines_typed_while_the_server_is_down_go_out_one_by_one() {
    let server = ServerProcess::start(&[]);
    let addr = server.addr.to_string();
    let Some(tmux) = join_in_tmux(&addr, "") else {
        return;
    };
    tmux.wait_for("alice in the room", |s| s.contains("connected │ alice"))
        .await;
    drop(server);
    tmux.wait_for("the link lost", |s| s.contains("connection lost"))
        .await;
    tmux.type_line("first line");
    tmux.type_line("/msg bob secret words");
    tmux.wait_for("two lines waiting", |s| s.contains("(2 waiting) >"))
        .await;
    // At least a second before the next attempt: bob is in the room first.
    tmux.wait_for("a retry 2s or more away", |s| {
        s.split("reconnecting in ")
            .nth(1)
            .and_then(|rest| rest.split('s').next())
            .and_then(|n| n.parse::<u64>().ok())
            .is_some_and(|n| n >= 2)
    })
    .await;

    let _server = serve_again_at(&addr).await;
    let mut bob = LineClient::connect(addr.parse().expect("addr")).await;
    bob.login("bob").await;
    bob.read_until("-- alice has arrived").await;
    bob.expect("alice: first line").await;
    bob.expect("alice -> bob: secret words").await;
    tmux.type_line("/quit");
    tmux.wait_for("exit status 0", |s| s.contains("EXIT=0"))
        .await;
}

#[tokio::test]
async fn a_server_that_does_not_speak_chatty_gets_plain_mode() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    // Like the seed's Go server: an address for a name, lines prefixed by
    // the sender's address.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let Some(tmux) = join_in_tmux(&addr, "--join-wait 1s") else {
        return;
    };
    let (peer, _) = tokio::time::timeout(SCREEN_DEADLINE, listener.accept())
        .await
        .expect("the client connects")
        .expect("accept");
    let (read, mut write) = peer.into_split();
    let mut lines = BufReader::new(read).lines();
    write
        .write_all(b"You are 127.0.0.1:5555\n")
        .await
        .expect("write");
    tmux.wait_for("plain mode", |s| {
        s.contains("does not speak the chatty protocol") && s.contains("Users (?)")
    })
    .await;
    tmux.type_line("hello go");
    let mut next = async || {
        tokio::time::timeout(SCREEN_DEADLINE, lines.next_line())
            .await
            .expect("a line in time")
            .expect("read")
    };
    assert_eq!(next().await.as_deref(), Some("alice"), "the name first");
    assert_eq!(next().await.as_deref(), Some("hello go"), "as typed");
    write
        .write_all(b"127.0.0.1:6666: hi back\n")
        .await
        .expect("write");
    tmux.wait_for("the reply as a notice", |s| {
        s.contains("-- 127.0.0.1:6666: hi back")
    })
    .await;
}

/// Display width of each row up to the users pane's left border.
fn users_pane_columns(screen: &str) -> Vec<usize> {
    use unicode_width::UnicodeWidthStr;
    screen
        .lines()
        .filter_map(|row| row.find("││").map(|at| row[..at].width()))
        .collect()
}

#[tokio::test]
async fn hostile_server_text_does_not_shift_the_users_pane() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    // A server that relays what chatty serve would have cleaned.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let Some(tmux) = join_in_tmux(&addr, "") else {
        return;
    };
    let (peer, _) = tokio::time::timeout(SCREEN_DEADLINE, listener.accept())
        .await
        .expect("the client connects")
        .expect("accept");
    let (read, mut write) = peer.into_split();
    let mut lines = BufReader::new(read).lines();
    write
        .write_all(b"-- welcome to chatty! what's your name?\n")
        .await
        .expect("write");
    for expected in ["/tags", "alice"] {
        let got = tokio::time::timeout(SCREEN_DEADLINE, lines.next_line()).await;
        assert!(
            matches!(&got, Ok(Ok(Some(line))) if line == expected),
            "{got:?}"
        );
    }
    let wire = "-- you are alice\n-- online (2): alice, bob\n\
        bob: a\u{200D}b\u{200D}c\u{200D}d\u{200D}e\u{200D}f joined letters\n\
        bob: right\u{202E}to left\u{2066} and zero\u{200B}width\u{FEFF}\n\
        bob: wide          gap\u{3000}\u{3000}here\n\
        bob: done\n";
    write.write_all(wire.as_bytes()).await.expect("write");
    let screen = tmux
        .wait_for("the lines", |s| s.contains("bob: done"))
        .await;
    assert!(screen.contains("bob: abcdef joined letters"), "{screen}");
    assert!(
        screen.contains("bob: rightto left and zerowidth"),
        "{screen}"
    );
    assert!(screen.contains("bob: wide gap here"), "{screen}");
    let columns = users_pane_columns(&screen);
    assert!(columns.len() > 5, "{screen}");
    assert!(
        columns.iter().all(|&c| c == columns[0]),
        "the users pane moved: {columns:?}\n{screen}"
    );
}
