//! A private tmux server for end-to-end tests of `chatty join`: start a
//! pane, type into it, read the screen and tmux's view of the pane, and
//! wait for a condition with a deadline (no sleep-and-hope).
//!
//! Without tmux a test gets `None` and passes with a notice, except under
//! CI (`CI` set), where it fails.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long the screen may take to show what a test waits for.
pub const SCREEN_DEADLINE: Duration = Duration::from_secs(20);

/// A private tmux server (its own socket), killed when dropped.
pub struct Tmux {
    pub socket: PathBuf,
}

impl Tmux {
    /// Starts a 100x30 session running `command`, or `None` when tmux is
    /// not installed (a failure under CI).
    pub fn start(command: &str) -> Option<Tmux> {
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

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs")
    }

    /// Types `text` literally, then presses Enter.
    pub fn type_line(&self, text: &str) {
        self.keys(&["-l", text]);
        self.keys(&["Enter"]);
    }

    /// Sends tmux key names (or `-l` and literal text) to the pane.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    pub fn screen(&self) -> String {
        self.capture(&[])
    }

    /// The screen with wrapped rows joined, for text longer than a row.
    pub fn joined_screen(&self) -> String {
        self.capture(&["-J"])
    }

    fn capture(&self, flags: &[&str]) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", "0"];
        args.extend_from_slice(flags);
        String::from_utf8_lossy(&self.run(&args).stdout).into_owned()
    }

    /// Polls the screen until `ready` holds; fails with the last screen.
    pub async fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.poll(what, Self::screen, ready).await
    }

    /// Polls the joined screen until it holds `text`.
    pub async fn wait_for_text(&self, text: &str) -> String {
        self.poll(text, Self::joined_screen, |s| s.contains(text))
            .await
    }

    async fn poll(
        &self,
        what: &str,
        capture: impl Fn(&Self) -> String,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        loop {
            let screen = capture(self);
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

impl Tmux {
    /// A tmux format of pane 0, such as `#{alternate_on}`.
    pub fn pane_format(&self, format: &str) -> String {
        let out = self.run(&["display", "-p", "-t", "0", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Waits until the pane has left the alternate screen and turned mouse
    /// reporting off.
    pub async fn wait_for_normal_screen(&self, what: &str) {
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
