//! How the client reaches the server: plain TCP, or TLS on top of it. The
//! socket task pumps the boxed halves and does not know which it has.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use socket2::{SockRef, TcpKeepalive};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;

use super::tls::untrusted;

/// The reading half of a connection.
pub type Reader = Box<dyn AsyncRead + Send + Unpin>;
/// The writing half of a connection.
pub type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects to one server, the same way each time.
#[derive(Clone)]
pub struct Connector {
    addr: SocketAddr,
    tls: Option<Tls>,
}

#[derive(Clone)]
struct Tls {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl From<SocketAddr> for Connector {
    fn from(addr: SocketAddr) -> Connector {
        Connector { addr, tls: None }
    }
}

impl Connector {
    /// TLS to `addr`, checking the certificate for `name` with `config`.
    pub fn tls(
        addr: SocketAddr,
        name: ServerName<'static>,
        config: Arc<rustls::ClientConfig>,
    ) -> Connector {
        let connector = TlsConnector::from(config);
        Connector {
            addr,
            tls: Some(Tls { connector, name }),
        }
    }

    /// Opens a connection; a refused certificate's error says why in words.
    pub async fn connect(&self) -> io::Result<(Reader, Writer)> {
        let stream = TcpStream::connect(self.addr).await?;
        keep_alive(&stream);
        let Some(tls) = &self.tls else {
            let (read, write) = stream.into_split();
            return Ok((Box::new(read), Box::new(write)));
        };
        let handshake = tls.connector.connect(tls.name.clone(), stream);
        let stream = match timeout(HANDSHAKE_TIMEOUT, handshake).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(err)) => return Err(explain(err)),
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "TLS handshake timed out",
                ));
            }
        };
        let (read, write) = tokio::io::split(stream);
        Ok((Box::new(read), Box::new(write)))
    }
}

/// Keeps an untrusted certificate's reason (for the caller to find) with
/// its own words as the message.
fn explain(err: io::Error) -> io::Error {
    match untrusted(&err) {
        Some(reason) => io::Error::other(reason),
        None => io::Error::new(err.kind(), format!("TLS handshake failed: {err}")),
    }
}

/// TCP keepalive notices a vanished server without us sending any line.
fn keep_alive(stream: &TcpStream) {
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(30))
        .with_interval(Duration::from_secs(10));
    let _ = SockRef::from(stream).set_tcp_keepalive(&keepalive);
    let _ = stream.set_nodelay(true);
}
