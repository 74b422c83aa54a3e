//! Operators and moderation over real TCP: `/oper` and its throttle,
//! every operator command's lines, bans by name and by address, bans
//! across a restart, and `chatty passwd` through the real binary.

mod support;

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::LazyLock;

use chatty::server::Config;
use chatty::server::moderation::hash_password;
use support::{TestServer, config};

static HASH: LazyLock<String> = LazyLock::new(|| hash_password("sesame").expect("hash"));

/// A test config with one operator, `root`/`sesame`; `exempt` empty
/// unless `loopback_exempt`, so loopback stands in for a remote address.
fn moderated(folder: &Path, loopback_exempt: bool) -> Config {
    let operators = folder.join("operators");
    std::fs::write(&operators, format!("# test\nroot {}\n", *HASH)).expect("write");
    let mut config = Config {
        operators_file: Some(operators),
        bans_file: Some(folder.join("bans")),
        ..config()
    };
    if !loopback_exempt {
        config.exempt = Cow::Borrowed(&[]);
    }
    config
}

#[tokio::test]
async fn oper_succeeds_fails_and_throttles() {
    let folder = tempfile::tempdir().expect("temp dir");
    let server = TestServer::start(moderated(folder.path(), true)).await;
    let mut sam = server.join("sam").await;
    sam.send("/kick sam").await;
    sam.expect("! only operators can do that").await;
    sam.send("/oper root wrong").await;
    sam.expect("! wrong operator name or password").await;
    sam.send("/oper nobody sesame").await;
    sam.expect("! wrong operator name or password").await;
    sam.send("/oper root sesame").await;
    sam.expect("-- you are an operator").await;
    let mut eve = server.join("eve").await;
    for _ in 0..3 {
        eve.send("/oper root guess").await;
        eve.expect("! wrong operator name or password").await;
    }
    eve.send("/oper root sesame").await;
    eve.expect("! too many tries, wait a minute").await;
    server.stop().await;
}

#[tokio::test]
async fn kick_mute_and_ban_by_name_with_exact_lines() {
    let folder = tempfile::tempdir().expect("temp dir");
    let server = TestServer::start(moderated(folder.path(), true)).await;
    let mut sam = server.join("sam").await;
    sam.send("/oper root sesame").await;
    sam.expect("-- you are an operator").await;
    let mut bob = server.join("bob").await;
    sam.expect("-- bob has arrived").await;
    sam.send("/mute bob").await;
    sam.expect("-- bob is muted").await;
    bob.expect("-- bob is muted").await;
    bob.send("hello").await;
    bob.expect("! you are muted").await;
    sam.send("/unmute bob").await;
    sam.expect("-- bob is unmuted").await;
    bob.expect("-- bob is unmuted").await;
    bob.send("/kick sam").await;
    bob.expect("! only operators can do that").await;
    sam.send("/kick bob (bye) now").await;
    bob.expect("-- bye (kicked: bye now)").await;
    bob.expect_end().await;
    sam.expect("-- bob has left (kicked: bye now)").await;

    let _troll = server.join("troll").await;
    sam.expect("-- troll has arrived").await;
    sam.send("/ban troll 1h spam").await;
    let banned = sam.next_line().await.expect("reply");
    assert!(banned.starts_with("-- banned troll until 20"), "{banned}");
    sam.expect("-- troll has left (banned: spam)").await;
    let mut again = server.greeted().await;
    again.send("troll").await;
    again.expect("! name \"troll\" is banned").await;
    again.send("troll2").await;
    again.expect("-- you are troll2").await;
    sam.send("/bans").await;
    sam.expect("-- troll2 has arrived").await;
    sam.expect("-- bans (1): troll").await;
    sam.send("/unban troll").await;
    sam.expect("-- unbanned troll").await;
    sam.send("/ban troll").await;
    sam.expect("-- banned troll").await;
    server.stop().await;

    let server = TestServer::start(moderated(folder.path(), true)).await;
    let mut after = server.greeted().await;
    after.send("troll").await;
    after.expect("! name \"troll\" is banned").await;
    server.stop().await;
}

/// The troll scenario: kicked, banned (its address too, as loopback is
/// not exempt here), still banned after a restart with the bans file.
#[tokio::test]
async fn a_troll_is_kicked_banned_and_still_banned_after_a_restart() {
    let folder = tempfile::tempdir().expect("temp dir");
    let server = TestServer::start(moderated(folder.path(), false)).await;
    let mut sam = server.join("sam").await;
    sam.send("/oper root sesame").await;
    sam.expect("-- you are an operator").await;
    let mut troll = server.join("troll").await;
    sam.expect("-- troll has arrived").await;
    sam.send("/kick troll").await;
    troll.expect("-- bye (kicked)").await;
    sam.expect("-- troll has left (kicked)").await;
    let mut troll = server.join("troll").await;
    sam.expect("-- troll has arrived").await;
    sam.send("/ban troll").await;
    sam.expect("-- banned troll").await;
    sam.expect("-- troll has left (banned)").await;
    troll.expect("-- bye (banned)").await;
    sam.send("/bans").await;
    sam.expect("-- bans (2): troll, 127.0.0.1").await;
    let mut from_there = server.connect().await;
    from_there.expect("-- bye (banned)").await;
    from_there.expect_end().await;
    server.stop().await;

    let server = TestServer::start(moderated(folder.path(), false)).await;
    let mut after = server.connect().await;
    after.expect("-- bye (banned)").await;
    after.expect_end().await;
    server.stop().await;
}

#[test]
fn passwd_hashes_a_piped_password() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatty"))
        .arg("passwd")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chatty passwd");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"open sesame\n").expect("write");
    drop(stdin);
    let status = support::wait_child(&mut child);
    assert!(status.success(), "{status:?}");
    let mut hash = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut hash)
        .expect("read the hash");
    let operators = chatty::server::moderation::Operators::parse(&format!("root {}", hash.trim()))
        .expect("a hash the operators file takes");
    assert!(operators.verify("root", "open sesame"));
}

#[test]
fn a_bad_operators_file_stops_the_start_with_its_line_number() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("operators");
    std::fs::write(&path, format!("# ops\nroot {}\neve nothash\n", *HASH)).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatty"))
        .args(["serve", "--addr", "127.0.0.1:0", "--operators"])
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chatty serve");
    let status = support::wait_child(&mut child);
    assert_eq!(status.code(), Some(1));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("read stderr");
    assert!(stderr.contains("line 3"), "{stderr}");
}

/// Behind a trusted proxy, a ban matches the client's address from the
/// PROXY header, not the proxy's.
#[tokio::test]
async fn an_address_ban_matches_the_client_behind_a_trusted_proxy() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = Config {
        trusted_proxies: chatty::server::limits::parse_cidrs("127.0.0.1")
            .expect("cidr")
            .into(),
        ..moderated(folder.path(), true)
    };
    let server = TestServer::start(config).await;
    let mut sam = server.connect().await;
    sam.send_bytes(b"PROXY TCP4 198.51.100.1 127.0.0.1 40000 8000\r\n")
        .await;
    sam.login("sam").await;
    sam.send("/oper root sesame").await;
    sam.expect("-- you are an operator").await;
    sam.send("/ban 203.0.113.7").await;
    sam.expect("-- banned 203.0.113.7").await;
    let mut banned = server.connect().await;
    banned
        .send_bytes(b"PROXY TCP4 203.0.113.7 127.0.0.1 40001 8000\r\n")
        .await;
    banned.expect("-- bye (banned)").await;
    banned.expect_end().await;
    let mut other = server.connect().await;
    other
        .send_bytes(b"PROXY TCP4 203.0.113.8 127.0.0.1 40002 8000\r\n")
        .await;
    other.login("bob").await;
    server.stop().await;
}
