//! The TLS listener: the certificate, the acceptor built on it, and a
//! handshake with a deadline. After the handshake a TLS connection is served
//! by the same code as a plain one; the room never knows which it is.

pub mod cert;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

pub use cert::{CertSource, Identity};

use crate::tls::{Fingerprint, VERSIONS, provider};

/// Where and with what certificate to listen for TLS.
#[derive(Clone, Debug)]
pub struct TlsPlan {
    pub addr: SocketAddr,
    pub source: CertSource,
}

/// A bound TLS listener and the acceptor holding its certificate.
pub struct TlsListener {
    pub listener: TcpListener,
    pub acceptor: TlsAcceptor,
    pub fingerprint: Fingerprint,
}

impl TlsListener {
    /// Loads (or makes) the certificate, logs its fingerprint, and binds.
    pub async fn bind(plan: &TlsPlan) -> anyhow::Result<TlsListener> {
        let identity = Identity::load(&plan.source)?;
        let (acceptor, fingerprint) = acceptor(identity)?;
        tracing::info!("TLS certificate fingerprint {fingerprint}");
        let listener = super::listen(plan.addr).with_context(|| {
            format!(
                "cannot listen for TLS on {}: is another server running there? \
                 choose another --tls-addr",
                plan.addr
            )
        })?;
        Ok(TlsListener {
            listener,
            acceptor,
            fingerprint,
        })
    }
}

/// A server config offering TLS 1.2 and 1.3 with `identity`.
pub fn acceptor(identity: Identity) -> anyhow::Result<(TlsAcceptor, Fingerprint)> {
    let fingerprint = Fingerprint::of(&identity.chain[0]);
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(VERSIONS)
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(identity.chain, identity.key)
        .context("the certificate and key do not make a usable pair")?;
    Ok((TlsAcceptor::from(Arc::new(config)), fingerprint))
}

/// The handshake, within `deadline` so that a silent client cannot hold a
/// connection slot, and given up at shutdown. `None` when it fails.
pub(crate) async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    acceptor: &TlsAcceptor,
    stream: S,
    peer: SocketAddr,
    deadline: Duration,
    shutdown: &CancellationToken,
) -> Option<TlsStream<S>> {
    tokio::select! {
        done = timeout(deadline, acceptor.accept(stream)) => match done {
            Ok(Ok(stream)) => Some(stream),
            Ok(Err(err)) => {
                tracing::debug!(%peer, "TLS handshake failed: {err}");
                None
            }
            Err(_) => {
                tracing::debug!(%peer, "TLS handshake timed out");
                None
            }
        },
        () = shutdown.cancelled() => None,
    }
}
