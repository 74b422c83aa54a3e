//! End to end: signals from outside and Ctrl-Z reach the real `chatty
//! join` in tmux, started from an interactive shell, and the terminal is
//! given back whole every time.

mod support;
mod tmux;

use std::process::Command;

use support::ServerProcess;
use tmux::Tmux;

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
    let done = format!("COOKED-{mark}");
    tmux.type_line(&format!("stty -a | grep -q ' icanon' && echo {done}"));
    tmux.wait_for("a cooked terminal", |s| {
        s.lines()
            .any(|l| l.trim_end().ends_with(&done) && !l.contains("echo"))
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
    tmux.keys(&["C-z"]);
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
