//! `chatty join` refuses what can never work before it touches the
//! terminal: a name the protocol's rules refuse, or no terminal at all.

use std::process::{Command, Output, Stdio};

fn join(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chatty"))
        .arg("join")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("chatty runs")
}

#[test]
fn a_name_that_can_never_be_valid_is_a_one_line_usage_error() {
    let long = "a".repeat(25);
    for name in ["", "-bob", "bob smith", "a:b", "admin", long.as_str()] {
        let out = join(&[&format!("--name={name}"), "--addr", "127.0.0.1:9"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name:?}: {stderr}");
        assert!(stderr.starts_with("error: invalid --name"), "{stderr}");
        assert!(out.stdout.is_empty(), "nothing drawn: {:?}", out.stdout);
    }
}

#[test]
fn without_a_terminal_join_says_it_needs_one() {
    let out = join(&["--name", "alice", "--addr", "127.0.0.1:9"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("chatty join needs a terminal"), "{stderr}");
    assert!(out.stdout.is_empty(), "no escape codes: {:?}", out.stdout);
}
