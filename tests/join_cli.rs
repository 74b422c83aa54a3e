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
    assert!(stderr.contains("--plain"), "points to plain mode: {stderr}");
    assert!(out.stdout.is_empty(), "no escape codes: {:?}", out.stdout);
}

/// `chatty join` with `XDG_CONFIG_HOME` at `home` holding `config`.
fn join_with_config(config: &str, args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp dir");
    let dir = home.path().join("chatty");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("config.toml"), config).expect("write config");
    Command::new(env!("CARGO_BIN_EXE_chatty"))
        .arg("join")
        .args(args)
        .env("XDG_CONFIG_HOME", home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("chatty runs")
}

#[test]
fn a_bad_config_file_is_a_usage_error_with_its_line() {
    let out = join_with_config(
        "name = \"alice\"\naddr = \"127.0.0.1:9\"\nnotify = \"loud\"\n",
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("config.toml line 3:"), "{stderr}");
    let out = join_with_config("name = \"a b\"\n", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 1: invalid name"), "{stderr}");
}

#[test]
fn a_name_in_the_config_file_needs_no_flag_and_flags_win() {
    let out = join_with_config("name = \"alice\"\naddr = \"127.0.0.1:9\"\n", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("chatty join needs a terminal"), "{stderr}");
    let out = join_with_config("name = \"a b\"\n", &["--name", "bob"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("needs a terminal"),
        "the flag wins: {stderr}"
    );
    let out = join_with_config("", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no name to join with"), "{stderr}");
}
