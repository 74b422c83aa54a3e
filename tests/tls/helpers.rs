//! A TLS room in this process, a TLS line client, and the real binary with
//! its log read line by line.

use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Instant;

use chatty::server::tls::{CertSource, TlsPlan};
use chatty::server::{self, Config, Listeners};
use chatty::tls::Fingerprint;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_util::sync::CancellationToken;

use crate::support::DEADLINE;

/// A room served in this process on a plain and a TLS loopback port, with
/// a self-signed certificate kept in a temporary state directory.
pub struct TlsRoom {
    pub plain: SocketAddr,
    pub tls: SocketAddr,
    pub fingerprint: Fingerprint,
    pub state: tempfile::TempDir,
    shutdown: CancellationToken,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TlsRoom {
    pub async fn start(config: Config) -> TlsRoom {
        let state = tempfile::tempdir().expect("state dir");
        let plan = TlsPlan {
            addr: "127.0.0.1:0".parse().expect("addr"),
            source: CertSource::SelfSigned {
                state_dir: state.path().to_owned(),
                names: vec!["localhost".into(), "127.0.0.1".into()],
            },
        };
        let plain = "127.0.0.1:0".parse().ok();
        let listeners = Listeners::bind(plain, Some(&plan)).await.expect("bind");
        let local = |listener: &tokio::net::TcpListener| listener.local_addr().expect("addr");
        let plain = local(listeners.plain.as_ref().expect("plain"));
        let tls = listeners.tls.as_ref().expect("tls");
        let (tls, fingerprint) = (local(&tls.listener), tls.fingerprint);
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(server::run_on(listeners, config, shutdown.clone()));
        TlsRoom {
            plain,
            tls,
            fingerprint,
            state,
            shutdown,
            task: Some(task),
        }
    }

    /// The self-signed certificate, as users pass it to `openssl -CAfile`.
    pub fn cert_pem(&self) -> PathBuf {
        self.state.path().join("cert.pem")
    }

    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let done = timeout(DEADLINE, task).await.expect("server stops in time");
            done.expect("server task").expect("server result");
        }
    }
}

impl Drop for TlsRoom {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A rustls client that trusts only `ca` (PEM) and reads whole lines.
pub struct TlsLines {
    reader: BufReader<ReadHalf<TlsStream<TcpStream>>>,
    writer: WriteHalf<TlsStream<TcpStream>>,
    pub fingerprint: Fingerprint,
    pub version: rustls::ProtocolVersion,
}

impl TlsLines {
    pub async fn connect(addr: SocketAddr, ca: &Path) -> TlsLines {
        TlsLines::connect_with(addr, ca, rustls::DEFAULT_VERSIONS).await
    }

    /// Connects offering only `versions`.
    pub async fn connect_with(
        addr: SocketAddr,
        ca: &Path,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> TlsLines {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_file(ca).expect("ca pem"))
            .expect("ca");
        let config = rustls::ClientConfig::builder_with_provider(chatty::tls::provider())
            .with_protocol_versions(versions)
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tcp = TcpStream::connect(addr).await.expect("connect");
        let name = ServerName::try_from("localhost").expect("name");
        let connect = TlsConnector::from(Arc::new(config)).connect(name, tcp);
        let stream = timeout(DEADLINE, connect)
            .await
            .expect("handshake in time")
            .expect("handshake");
        let session = stream.get_ref().1;
        let fingerprint = Fingerprint::of(&session.peer_certificates().expect("certs")[0]);
        let version = session.protocol_version().expect("version");
        let (read, writer) = tokio::io::split(stream);
        TlsLines {
            reader: BufReader::new(read),
            writer,
            fingerprint,
            version,
        }
    }

    pub async fn send(&mut self, line: &str) {
        let bytes = format!("{line}\n");
        self.writer.write_all(bytes.as_bytes()).await.expect("send");
        self.writer.flush().await.expect("flush");
    }

    pub async fn next_line(&mut self) -> Option<String> {
        let mut line = String::new();
        let read = timeout(DEADLINE, self.reader.read_line(&mut line));
        match read.await.expect("a line arrives in time") {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches('\n').to_owned()),
        }
    }

    pub async fn expect(&mut self, expected: &str) {
        assert_eq!(self.next_line().await.as_deref(), Some(expected));
    }
}

/// The real `chatty` binary with its stderr read line by line.
pub struct Chatty {
    pub child: Child,
    log: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Chatty {
    /// Runs `chatty ARGS` with `env` set, stdin closed.
    pub fn start(args: &[&str], env: &[(&str, &Path)]) -> Chatty {
        let mut command = Command::new(env!("CARGO_BIN_EXE_chatty"));
        command.args(args).env("RUST_LOG", "info").env_remove("CI");
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chatty");
        let stderr = child.stderr.take().expect("stderr");
        let (lines, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        Chatty {
            child,
            log,
            seen: Vec::new(),
        }
    }

    /// The first log line containing `what`, read within the deadline.
    pub fn wait_for(&mut self, what: &str) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(what) {
                        return line;
                    }
                }
                Err(_) => panic!("no {what:?} in the log: {:#?}", self.seen),
            }
        }
    }

    /// The address after `label` in the log (`listening on `, ...).
    pub fn addr_after(&mut self, label: &str) -> SocketAddr {
        let line = self.wait_for(label);
        let at = line.find(label).expect("label") + label.len();
        line[at..].trim().parse().expect("an address")
    }

    /// The fingerprint the server logged.
    pub fn fingerprint(&mut self) -> String {
        let line = self.wait_for("fingerprint sha256:");
        let at = line.find("sha256:").expect("sha256");
        line[at..].trim().to_owned()
    }

    /// The rest of stderr until the process exits, and its status.
    pub fn finish(mut self) -> (std::process::ExitStatus, String) {
        let status = crate::support::wait_child(&mut self.child);
        let rest: Vec<String> = self.log.iter().collect();
        self.seen.extend(rest);
        (status, self.seen.join("\n"))
    }

    pub fn terminate(&self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-s", "TERM", &pid]).status();
        assert!(status.expect("kill runs").success());
    }
}

impl Drop for Chatty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fingerprint of the certificate in a PEM file.
pub fn fingerprint_of(pem: &Path) -> Fingerprint {
    Fingerprint::of(&CertificateDer::from_pem_file(pem).expect("pem"))
}
