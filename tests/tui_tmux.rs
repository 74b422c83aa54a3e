//! End to end: the real `chatty join` in tmux against a real `chatty
//! serve`, with a raw TCP client on the other side. Every wait polls the
//! screen or the socket until a condition holds or a deadline passes.
//!
//! Without tmux the test prints a notice and passes, except under CI
//! (`CI` set), where it fails.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use support::{LineClient, ServerProcess};

/// How long the screen may take to show what a test waits for.
const SCREEN_DEADLINE: Duration = Duration::from_secs(20);

/// A private tmux server (its own socket), killed when dropped.
struct Tmux {
    socket: PathBuf,
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
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("chatty-test-{}-{nanos}", std::process::id());
        let tmux = Tmux {
            socket: std::env::temp_dir().join(name),
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
        let _ = std::fs::remove_file(&self.socket);
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

impl Tmux {
    /// A tmux format of pane 0, such as `#{alternate_on}`.
    fn pane_format(&self, format: &str) -> String {
        let out = self.run(&["display", "-p", "-t", "0", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Waits until the pane has left the alternate screen and turned mouse
    /// reporting off.
    async fn wait_for_normal_screen(&self, what: &str) {
        let start = Instant::now();
        while self.pane_format("#{alternate_on}#{mouse_any_flag}") != "00" {
            assert!(
                start.elapsed() < SCREEN_DEADLINE,
                "{what}: still in TUI mode; the screen:\n{}",
                self.screen()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// An interactive `sh` (dash on Debian: no line editing of its own, so a
/// terminal left raw shows) in tmux, with a prompt to wait for.
fn shell() -> Option<Tmux> {
    Tmux::start("env PS1='$ ' sh -i")
}

/// Runs `chatty join` from the shell, its pid written to `pid_file`, and
/// waits until it is in the room.
async fn join_from_shell(tmux: &Tmux, addr: std::net::SocketAddr, pid_file: &std::path::Path) {
    let _ = std::fs::remove_file(pid_file);
    tmux.type_line(&format!(
        "sh -c 'echo $$ > {}; exec {} join --name carol --addr {addr}'; echo EXIT=$?",
        pid_file.display(),
        env!("CARGO_BIN_EXE_chatty"),
    ));
    tmux.wait_for("carol in the room", |s| s.contains("connected │ carol"))
        .await;
}

fn pid_in(pid_file: &std::path::Path) -> String {
    std::fs::read_to_string(pid_file)
        .expect("pid file")
        .trim()
        .to_owned()
}

/// The terminal is cooked again: a command typed runs, with its output.
async fn assert_cooked(tmux: &Tmux, mark: &str) {
    tmux.run(&["send-keys", "-t", "0", "clear", "Enter"]);
    tmux.type_line(&format!(
        "stty -a | grep -q ' icanon' && echo COOKED-{mark}"
    ));
    tmux.wait_for("a cooked terminal", |s| {
        s.contains(&format!("\nCOOKED-{mark}"))
    })
    .await;
}

#[tokio::test]
async fn signals_from_outside_restore_the_terminal() {
    let server = ServerProcess::start(&[]);
    let Some(tmux) = shell() else {
        return;
    };
    tmux.wait_for("the shell prompt", |s| s.starts_with('$'))
        .await;
    let pid_file = tmux.socket.with_extension("pid");
    for (signal, status) in [("TERM", 0), ("HUP", 0), ("INT", 0), ("QUIT", 131)] {
        join_from_shell(&tmux, server.addr, &pid_file).await;
        let out = Command::new("kill")
            .args([&format!("-{signal}"), &pid_in(&pid_file)])
            .output()
            .expect("kill runs");
        assert!(out.status.success(), "kill -{signal}");
        tmux.wait_for_normal_screen(signal).await;
        tmux.wait_for("the exit status", |s| s.contains(&format!("EXIT={status}")))
            .await;
        assert_cooked(&tmux, signal).await;
    }
    let _ = std::fs::remove_file(&pid_file);
}

#[tokio::test]
async fn ctrl_z_suspends_and_fg_redraws() {
    let server = ServerProcess::start(&[]);
    let Some(tmux) = shell() else {
        return;
    };
    tmux.wait_for("the shell prompt", |s| s.starts_with('$'))
        .await;
    let pid_file = tmux.socket.with_extension("pid");
    join_from_shell(&tmux, server.addr, &pid_file).await;
    assert!(tmux.run(&["send-keys", "-t", "0", "C-z"]).status.success());
    tmux.wait_for_normal_screen("Ctrl-Z").await;
    tmux.wait_for("the job stopped", |s| s.contains("Stopped"))
        .await;
    tmux.type_line("fg");
    tmux.wait_for("the TUI drawn again", |s| {
        s.contains("connected │ carol") && s.contains("Users (1)")
    })
    .await;
    assert_eq!(tmux.pane_format("#{alternate_on}"), "1");
    tmux.type_line("/quit");
    tmux.wait_for_normal_screen("quit").await;
    // The shell's `;` list went on when the job stopped; `$?` after `fg`
    // is the job's own status.
    tmux.type_line("echo AFTER=$?");
    tmux.wait_for("exit status 0", |s| s.contains("\nAFTER=0"))
        .await;
    assert_cooked(&tmux, "fg").await;
    let _ = std::fs::remove_file(&pid_file);
}
