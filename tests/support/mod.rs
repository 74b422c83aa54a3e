//! Test helpers: a server on an ephemeral loopback port that stops when
//! dropped, and a line client whose every read has a deadline.

#![allow(dead_code)]

pub mod cluster;
pub mod proxy;
pub mod redis;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

use chatty::server::{self, Config};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

/// The first line every connection gets.
pub const WELCOME: &str = "-- welcome to chatty! what's your name?";

/// How long any single expected event may take before a test fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A fresh directory under the system's temporary directory, removed
/// with everything in it when dropped (even when the test fails).
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("chatty-test-")
        .tempdir()
        .expect("temporary directory")
}

/// A config for tests: no flood control and a short linger, so tests
/// run at full speed.
pub fn config() -> Config {
    Config {
        rate: 0,
        linger: Duration::from_millis(100),
        ..Config::default()
    }
}

/// A server running in this process on 127.0.0.1:0.
pub struct TestServer {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    pub async fn start(config: Config) -> TestServer {
        let listener = server::bind("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(server::run(listener, config, shutdown.clone()));
        TestServer {
            addr,
            shutdown,
            task: Some(task),
        }
    }

    /// Shuts down and waits until every task has ended.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            timeout(DEADLINE, task)
                .await
                .expect("server stops in time")
                .expect("server task")
                .expect("server result");
        }
    }

    pub async fn connect(&self) -> LineClient {
        LineClient::connect(self.addr).await
    }

    /// A connected client that has read the welcome line.
    pub async fn greeted(&self) -> LineClient {
        let mut client = self.connect().await;
        client.expect(WELCOME).await;
        client
    }

    /// A connected client that has joined as `name` and read its welcome.
    pub async fn join(&self, name: &str) -> LineClient {
        let mut client = self.connect().await;
        client.login(name).await;
        client
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A raw TCP client that reads whole lines, each within [`DEADLINE`].
pub struct LineClient {
    reader: tokio::io::BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl LineClient {
    pub async fn connect(addr: SocketAddr) -> LineClient {
        let stream = timeout(DEADLINE, TcpStream::connect(addr))
            .await
            .expect("connect in time")
            .expect("connect");
        LineClient::from_stream(stream)
    }

    pub fn from_stream(stream: TcpStream) -> LineClient {
        let (read, writer) = stream.into_split();
        LineClient {
            reader: tokio::io::BufReader::new(read),
            writer,
        }
    }

    /// The buffered reading half and the writing half, to use apart.
    pub fn into_parts(self) -> (tokio::io::BufReader<OwnedReadHalf>, OwnedWriteHalf) {
        (self.reader, self.writer)
    }

    /// Sends one line (a newline is added).
    pub async fn send(&mut self, line: &str) {
        self.send_bytes(format!("{line}\n").as_bytes()).await;
    }

    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("send");
    }

    /// Closes the sending side.
    pub async fn shutdown(&mut self) {
        let _ = self.writer.shutdown().await;
    }

    /// The next line without its newline; `None` at end of stream.
    pub async fn next_line(&mut self) -> Option<String> {
        self.next_line_within(DEADLINE).await
    }

    pub async fn next_line_within(&mut self, limit: Duration) -> Option<String> {
        let mut bytes = Vec::new();
        let read = timeout(limit, self.reader.read_until(b'\n', &mut bytes))
            .await
            .expect("a line arrives in time");
        match read {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                assert_eq!(bytes.pop(), Some(b'\n'), "lines end in \\n: {bytes:?}");
                Some(String::from_utf8(bytes).expect("server sends UTF-8"))
            }
        }
    }

    /// Asserts the next line is exactly `expected`.
    pub async fn expect(&mut self, expected: &str) {
        let line = self.next_line().await;
        assert_eq!(line.as_deref(), Some(expected));
    }

    /// Asserts the next lines are exactly `expected`, in order.
    pub async fn expect_lines(&mut self, expected: &[&str]) {
        for line in expected {
            self.expect(line).await;
        }
    }

    /// Reads lines until one equals `wanted`; returns those before it.
    pub async fn read_until(&mut self, wanted: &str) -> Vec<String> {
        let mut before = Vec::new();
        loop {
            match self.next_line().await {
                Some(line) if line == wanted => return before,
                Some(line) => before.push(line),
                None => panic!("stream ended before {wanted:?}; got {before:?}"),
            }
        }
    }

    /// Asserts the server closes the connection (after any lines given).
    pub async fn expect_end(&mut self) {
        let mut rest = Vec::new();
        let read = timeout(DEADLINE, self.reader.read_to_end(&mut rest)).await;
        let read = read.expect("the server closes in time");
        assert!(read.is_ok(), "clean close, not a reset: {read:?}");
        assert!(
            rest.is_empty(),
            "unexpected lines: {:?}",
            String::from_utf8_lossy(&rest)
        );
    }

    /// Joins as `name`: reads the welcome, sends the name, reads `-- you
    /// are`, the roster and any history block.
    pub async fn login(&mut self, name: &str) {
        self.expect(WELCOME).await;
        self.send(name).await;
        self.expect(&format!("-- you are {name}")).await;
        let online = self.next_line().await.expect("roster");
        assert!(online.starts_with("-- online ("), "{online}");
    }

    /// Joins as `name` after `/tags`: reads the welcome, `-- tags on`,
    /// `-- you are` (whose tags it returns) and the roster.
    pub async fn login_tagged(&mut self, name: &str) -> chatty::protocol::Tags {
        self.expect(WELCOME).await;
        self.send("/tags").await;
        self.expect("-- tags on").await;
        self.send(name).await;
        let line = self.next_line().await.expect("-- you are");
        let tagged = chatty::protocol::Tagged::parse(&line);
        assert!(line.ends_with(&format!(" -- you are {name}")), "{line}");
        let online = self.next_line().await.expect("roster");
        assert!(online.starts_with("-- online ("), "{online}");
        tagged.tags
    }

    /// Sends `/ping` and returns every line that arrived before `-- pong`.
    pub async fn sync(&mut self) -> Vec<String> {
        self.send("/ping").await;
        self.read_until("-- pong").await
    }
}

/// The real `chatty` binary, serving on an ephemeral loopback port.
pub struct ServerProcess {
    pub child: Child,
    pub addr: SocketAddr,
}

impl ServerProcess {
    pub fn start(args: &[&str]) -> ServerProcess {
        let (server, stderr) = ServerProcess::start_with_stderr(args);
        std::thread::spawn(move || std::io::copy(&mut { stderr }, &mut std::io::sink()));
        server
    }

    /// Starts the server (with a short linger, so it exits fast) and
    /// returns its stderr, read up to the line that
    /// gives the address; the caller decides whether to read on, leave the
    /// pipe full, or close it.
    pub fn start_with_stderr(args: &[&str]) -> (ServerProcess, BufReader<ChildStderr>) {
        ServerProcess::start_command(
            Command::new(env!("CARGO_BIN_EXE_chatty"))
                .args(["serve", "--addr", "127.0.0.1:0", "--linger", "100ms"])
                .args(args),
        )
    }

    /// Starts `command` (a `chatty serve` with `--addr 127.0.0.1:0`, maybe
    /// behind a shell) with info logs on a pipe, as [`Self::start_with_stderr`].
    pub fn start_command(command: &mut Command) -> (ServerProcess, BufReader<ChildStderr>) {
        ServerProcess::start_command_within(command, DEADLINE)
    }

    /// [`Self::start`] for a server with much to do before it listens
    /// (loading a big file in a debug build on a busy machine).
    pub fn start_within(args: &[&str], limit: Duration) -> ServerProcess {
        let (server, stderr) = ServerProcess::start_command_within(
            Command::new(env!("CARGO_BIN_EXE_chatty"))
                .args(["serve", "--addr", "127.0.0.1:0", "--linger", "100ms"])
                .args(args),
            limit,
        );
        std::thread::spawn(move || std::io::copy(&mut { stderr }, &mut std::io::sink()));
        server
    }

    fn start_command_within(
        command: &mut Command,
        limit: Duration,
    ) -> (ServerProcess, BufReader<ChildStderr>) {
        let mut child = command
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chatty serve");
        let stderr = child.stderr.take().expect("stderr");
        let (found, addr) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut stderr = BufReader::new(stderr);
            let mut line = String::new();
            loop {
                line.clear();
                match stderr.read_line(&mut line) {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
                if let Some(at) = line.find("listening on ") {
                    let addr: SocketAddr = line[at + 13..].trim().parse().expect("address");
                    let _ = found.send(addr);
                    return Some(stderr);
                }
            }
        });
        let addr = match addr.recv_timeout(limit) {
            Ok(addr) => addr,
            Err(err) => {
                // Not left running after the test fails.
                let _ = child.kill();
                let _ = child.wait();
                panic!("server reports its address within {limit:?}: {err}");
            }
        };
        let stderr = reader.join().expect("stderr reader").expect("stderr open");
        (ServerProcess { child, addr }, stderr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server, in KiB.
    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    /// The most resident memory the server has had so far, in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        self.status_kib("VmHWM:")
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("status");
        let line = status
            .lines()
            .find(|l| l.starts_with(field))
            .unwrap_or_else(|| panic!("{field} in /proc/PID/status"));
        line.split_whitespace()
            .nth(1)
            .expect("value")
            .parse()
            .expect("number")
    }

    /// Sends a signal by number (15 = SIGTERM).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.pid().to_string()])
            .status();
        assert!(status.expect("kill runs").success());
    }

    /// Waits for the process to exit, within the deadline.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        wait_child(&mut self.child)
    }
}

/// Waits for `child` to exit; kills it and fails after [`DEADLINE`].
pub fn wait_child(child: &mut Child) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("child did not exit in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
