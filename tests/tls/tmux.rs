//! A private tmux server running one command, whose screen is polled.
//! Without tmux the test passes with a notice, except under CI.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A private tmux server (its own socket), killed when dropped.
pub struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    /// Runs `command` in a new session, or `None` without tmux (a failure under CI).
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
        let name = format!("chatty-tls-{}-{nanos}", std::process::id());
        let tmux = Tmux {
            socket: std::env::temp_dir().join(name),
        };
        let size = ["-x", "100", "-y", "30"];
        let out = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            size[0],
            size[1],
            size[2],
            size[3],
            command,
        ]);
        assert!(
            out.status.success(),
            "{}",
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

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    pub async fn wait_for(&self, what: &str) -> String {
        let start = Instant::now();
        loop {
            let out = self.run(&["capture-pane", "-p", "-J", "-t", "0"]);
            let screen = String::from_utf8_lossy(&out.stdout).into_owned();
            if screen.contains(what) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no {what:?} on:\n{screen}"
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
