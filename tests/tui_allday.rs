//! End to end, for all-day use: the real `chatty join` in tmux, started
//! with no flags at all (its name, server and log directory come from the
//! config file under a temporary `XDG_CONFIG_HOME`), searching back with
//! Ctrl-F and coming back to live with Esc.
//!
//! Without tmux the test prints a notice and passes, except under CI
//! (`CI` set), where it fails.

mod support;
mod tmux;

use std::time::{Duration, Instant};

use support::{LineClient, ServerProcess};
use tmux::Tmux;

/// Waits until the file at `path` contains `wanted`.
async fn wait_for_file(path: &std::path::Path, wanted: &str) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(wanted) {
            return text;
        }
        assert!(
            start.elapsed() < tmux::SCREEN_DEADLINE,
            "{} never held {wanted:?}: {text:?}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_config_file_alone_starts_the_client_and_search_finds_old_lines() {
    let server = ServerProcess::start(&[]);
    let home = tempfile::tempdir().expect("temp dir");
    let logs = home.path().join("logs");
    let config_dir = home.path().join("chatty");
    std::fs::create_dir_all(&config_dir).expect("mkdir");
    let config = format!(
        "name = \"alice\"\naddr = \"{}\"\nlog_dir = \"{}\"\nusers_width = 16\n",
        server.addr,
        logs.display()
    );
    std::fs::write(config_dir.join("config.toml"), config).expect("write config");
    let mut bob = LineClient::connect(server.addr).await;
    bob.login("bob").await;
    let command = format!(
        "XDG_CONFIG_HOME={} {} join; echo EXIT=$?; sleep 60",
        home.path().display(),
        env!("CARGO_BIN_EXE_chatty"),
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    tmux.wait_for("alice joined from the config", |s| {
        s.contains("connected │ alice")
    })
    .await;
    bob.expect("-- alice has arrived").await;

    bob.send("the Needle is here 🪡").await;
    bob.send("a newer needle").await;
    for i in 0..40 {
        bob.send(&format!("hay {i}")).await;
    }
    tmux.wait_for("the hay", |s| s.contains("bob: hay 39"))
        .await;

    tmux.keys(&["C-f"]);
    tmux.wait_for("the search prompt", |s| s.contains("search>"))
        .await;
    tmux.keys(&["-l", "NEEDLE"]);
    let screen = tmux
        .wait_for("the newest match, marked", |s| {
            s.contains("⌕") && s.contains("a newer needle") && s.contains("found")
        })
        .await;
    assert!(!screen.contains("hay 39"), "scrolled back: {screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the older match", |s| {
        s.lines()
            .any(|row| row.contains("⌕") && row.contains("the Needle is here"))
    })
    .await;
    tmux.keys(&["C-f"]);
    tmux.wait_for("no older match", |s| s.contains("no older match"))
        .await;
    tmux.keys(&["Escape"]);
    let screen = tmux
        .wait_for("back to live", |s| {
            s.contains("bob: hay 39") && !s.contains("search>")
        })
        .await;
    assert!(!screen.contains("⌕"), "{screen}");

    tmux.type_line("/quit");
    tmux.wait_for("exit status 0", |s| s.contains("EXIT=0"))
        .await;
    // The exit waits for the log's last lines.
    let log = logs.join(
        std::fs::read_dir(&logs)
            .expect("the log directory exists")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .find(|n| n.to_string_lossy().starts_with("chatty-"))
            .expect("a day's file"),
    );
    let text = wait_for_file(&log, "bob: hay 39").await;
    assert!(text.contains("bob: the Needle is here 🪡"), "{text}");
    drop(server);
}
