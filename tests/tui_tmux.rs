//! End to end: the real `chatty join` in tmux against a real `chatty
//! serve`, with a raw TCP client on the other side. Every wait polls the
//! screen or the socket until a condition holds or a deadline passes.
//!
//! Without tmux the test prints a notice and passes, except under CI
//! (`CI` set), where it fails.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::{LineClient, ServerProcess};

/// How long the screen may take to show what a test waits for.
const SCREEN_DEADLINE: Duration = Duration::from_secs(20);

/// A private tmux server (its own socket), killed when dropped.
struct Tmux {
    socket: PathBuf,
    /// Holds the socket; removed when dropped.
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts a 100x30 session running `command`, or `None` when tmux is
    /// not installed (a failure under CI).
    fn start(command: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "tmux is required under CI"
            );
            eprintln!("notice: tmux is not installed; skipping the terminal test");
            return None;
        }
        let dir = support::temp_dir();
        let tmux = Tmux {
            socket: dir.path().join("tmux"),
            _dir: dir,
        };
        let out = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
            command,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(tmux)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs")
    }

    /// Types `text` literally, then presses Enter.
    fn type_line(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "0", "-l", text])
                .status
                .success()
        );
        assert!(
            self.run(&["send-keys", "-t", "0", "Enter"])
                .status
                .success()
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "0"]).stdout).into_owned()
    }

    /// Polls the screen until `ready` holds; fails with the last screen.
    async fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < SCREEN_DEADLINE,
                "waited for {what}; the screen:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

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
