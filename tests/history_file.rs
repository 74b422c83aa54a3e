//! `--history-file` through the real binary: what is loaded, a full disk
//! at start-up, durability of the compaction, and memory while loading.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use support::{DEADLINE, LineClient, ServerProcess, WELCOME, wait_child};

fn serve_with_file(path: &Path, history: &str) -> ServerProcess {
    let path = path.to_str().expect("UTF-8 temp path");
    ServerProcess::start(&["--history-file", path, "--history", history])
}

/// Joins as `name` and returns the history block's lines, between
/// `-- history (N)` and `-- end of history`.
async fn join_and_read_history(server: &ServerProcess, name: &str) -> (LineClient, Vec<String>) {
    let mut client = LineClient::connect(server.addr).await;
    client.expect(WELCOME).await;
    client.send(name).await;
    client.expect(&format!("-- you are {name}")).await;
    let online = client.next_line().await.expect("roster");
    assert!(online.starts_with("-- online ("), "{online}");
    let start = client.next_line().await.expect("history");
    assert!(start.starts_with("-- history ("), "{start}");
    let lines = client.read_until("-- end of history").await;
    (client, lines)
}

/// SIGTERM, and the clean exit that writes the file's last lines.
fn stop(mut server: ServerProcess) {
    server.signal("TERM");
    assert_eq!(server.wait().code(), Some(0));
}

#[tokio::test]
async fn lines_loaded_from_the_file_are_sanitized_like_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.txt");
    fs::write(
        &path,
        "bob: clear\x1b[2J screen\nbob: \u{9b}31m red\n* bob rings\x07 the bell\nbob: \x1b\n",
    )
    .expect("write");
    let server = serve_with_file(&path, "10");
    let (_alice, history) = join_and_read_history(&server, "alice").await;
    assert_eq!(
        history,
        [
            "bob: clear[2J screen",
            "bob: 31m red",
            "* bob rings the bell"
        ]
    );
    stop(server);
    let kept = fs::read_to_string(&path).expect("read");
    assert!(
        !kept.chars().any(|c| c.is_control() && c != '\n'),
        "{kept:?}"
    );
}

/// A full disk is simulated where it hurts: the compaction copy's path is
/// a link to `/dev/full`, so writing the copy fails with ENOSPC as on a
/// full filesystem, while the history file itself stays appendable.
#[tokio::test]
async fn a_full_disk_at_start_up_does_not_stop_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.txt");
    let old: String = (0..100).map(|i| format!("bob: old {i}\n")).collect();
    fs::write(&path, old).expect("write");
    std::os::unix::fs::symlink("/dev/full", dir.path().join("history.txt.tmp")).expect("link");

    let server = serve_with_file(&path, "3");
    let (mut alice, history) = join_and_read_history(&server, "alice").await;
    assert_eq!(history, ["bob: old 97", "bob: old 98", "bob: old 99"]);
    alice.send("after").await;
    alice.expect("alice: after").await;
    alice.sync().await;
    stop(server);

    // Compacted later, once the copy could be written.
    // The file keeps the numbering first, then tagged lines of talk.
    let kept = fs::read_to_string(&path).expect("read");
    assert!(kept.starts_with("@epoch="), "{kept:?}");
    let talk: Vec<&str> = kept
        .lines()
        .filter_map(|line| Some(line.split_once(' ')?.1))
        .collect();
    assert!(
        talk.ends_with(&["bob: old 98", "bob: old 99", "alice: after"]),
        "{kept:?}"
    );
    assert!(kept.lines().count() <= 6, "compacted: {kept:?}");
    assert!(
        fs::metadata("/dev/full")
            .expect("/dev/full")
            .file_type()
            .is_char_device(),
        "/dev/full untouched"
    );
}

use std::os::unix::fs::FileTypeExt as _;

/// The compaction copy reaches the disk before it replaces the file, so a
/// power loss cannot leave an empty history: traced with `strace`.
#[tokio::test]
async fn the_compaction_copy_is_synced_before_the_rename() {
    if !strace_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "strace is required under CI (apt-get install strace)"
        );
        eprintln!("skipping: strace not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.txt");
    fs::write(&path, "").expect("write");
    let server = serve_with_file(&path, "2");
    let trace = dir.path().join("trace.txt");
    let mut strace = Command::new("strace")
        .args(["-f", "-o"])
        .arg(&trace)
        .args([
            "-e",
            "trace=openat,fsync,fdatasync,rename,renameat,renameat2",
        ])
        .args(["-p", &server.pid().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start strace");
    wait_for_attach(&mut strace);

    // 64 lines in the file make the next one compact it.
    let mut alice = LineClient::connect(server.addr).await;
    alice.login("alice").await;
    for i in 0..65 {
        alice.send(&format!("line {i}")).await;
    }
    alice.sync().await;
    stop(server);
    wait_child(&mut strace);

    let trace = fs::read_to_string(&trace).expect("trace");
    let lines: Vec<&str> = trace.lines().collect();
    let rename = lines
        .iter()
        .position(|l| l.contains("rename") && l.contains("history.txt.tmp"))
        .unwrap_or_else(|| panic!("a rename of the copy in:\n{trace}"));
    let open = lines[..rename]
        .iter()
        .rposition(|l| l.contains("openat(") && l.contains("history.txt.tmp"))
        .unwrap_or_else(|| panic!("the copy opened before the rename in:\n{trace}"));
    let fd = lines[open]
        .rsplit("= ")
        .next()
        .and_then(|fd| fd.trim().parse::<u32>().ok())
        .unwrap_or_else(|| panic!("an fd in {:?}", lines[open]));
    let synced = lines[open..rename]
        .iter()
        .any(|l| l.contains(&format!("fsync({fd}")) || l.contains(&format!("fdatasync({fd}")));
    assert!(synced, "fsync({fd}) between open and rename in:\n{trace}");
}

fn strace_available() -> bool {
    Command::new("sh")
        .args(["-c", "command -v strace"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Waits until strace says it has attached (it prints one line per thread).
fn wait_for_attach(strace: &mut std::process::Child) {
    use std::io::{BufRead, BufReader};
    let stderr = strace.stderr.take().expect("stderr");
    let (attached, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent && line.contains("attached") {
                sent = attached.send(()).is_ok();
            }
        }
    });
    wait.recv_timeout(DEADLINE)
        .expect("strace attaches in time");
}

/// A 50 MB history file is read as a stream: the peak resident memory of
/// the server that loads it stays close to that of one with no file.
#[tokio::test]
async fn loading_a_big_history_file_keeps_memory_bounded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.txt");
    let padding = "x".repeat(1000);
    let mut text = String::with_capacity(51 << 20);
    let mut i = 0;
    while text.len() < 50 << 20 {
        text.push_str(&format!("bob: {i} {padding}\n"));
        i += 1;
    }
    fs::write(&path, &text).expect("write");
    drop(text);

    let small = ServerProcess::start(&["--history", "50"]);
    let baseline = small.peak_rss_kib();
    drop(small);
    // Loading 50 MB takes a debug build seconds; this test is about memory.
    let file = path.to_str().expect("UTF-8 temp path");
    let args = ["--history-file", file, "--history", "50"];
    let big = ServerProcess::start_within(&args, std::time::Duration::from_secs(120));
    let peak = big.peak_rss_kib();
    let growth = peak.saturating_sub(baseline);
    eprintln!("peak RSS {peak} KiB with the 50 MB file, {baseline} KiB without");
    assert!(
        growth < 16 * 1024,
        "loading grew peak RSS by {growth} KiB ({baseline} -> {peak})"
    );
    let (_alice, history) = join_and_read_history(&big, "alice").await;
    assert_eq!(history.len(), 50);
    assert!(history[49].starts_with(&format!("bob: {} x", i - 1)));
}
