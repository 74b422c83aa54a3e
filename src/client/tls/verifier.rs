//! The client's certificate check: a chain to a trusted authority, or else
//! trust on first use, as ssh does. Either way the handshake signature is
//! verified with the certificate's key, so a pinned certificate is only
//! accepted from whoever holds its private key.

use std::fmt;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, DigitallySignedStruct, Error, OtherError, RootCertStore, SignatureScheme,
};

use super::known_servers::{KnownServers, Pin};
use crate::tls::Fingerprint;

/// Why a server's certificate was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Untrusted {
    /// Not signed by a trusted authority, and not pinned yet.
    Unknown {
        server: String,
        fingerprint: Fingerprint,
        file: String,
    },
    /// Pinned, to another certificate.
    Changed {
        server: String,
        pinned: Fingerprint,
        presented: Fingerprint,
        file: String,
    },
    /// The pins cannot be read.
    Unreadable { file: String, error: String },
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Untrusted::Unknown {
                server,
                fingerprint,
                file,
            } => write!(
                f,
                "the certificate of {server} ({fingerprint}) is not signed by a trusted \
                 authority and not pinned in {file}"
            ),
            Untrusted::Changed {
                server,
                pinned,
                presented,
                file,
            } => write!(
                f,
                "the certificate of {server} has changed: pinned {pinned}, presented \
                 {presented}. Someone may be intercepting the connection. If the server's \
                 certificate was replaced on purpose, delete the line for {server} from \
                 {file} and join again"
            ),
            Untrusted::Unreadable { file, error } => write!(f, "cannot read {file}: {error}"),
        }
    }
}

impl std::error::Error for Untrusted {}

/// Accepts a certificate that chains to `roots`, or the one pinned for
/// `server` in `known`.
#[derive(Debug)]
pub struct TofuVerifier {
    authorities: Option<Arc<WebPkiServerVerifier>>,
    known: KnownServers,
    server: String,
    provider: Arc<CryptoProvider>,
}

impl TofuVerifier {
    pub fn new(
        roots: RootCertStore,
        known: KnownServers,
        server: String,
        provider: Arc<CryptoProvider>,
    ) -> TofuVerifier {
        // No roots at all (a bare system): only pins can be trusted.
        let authorities =
            WebPkiServerVerifier::builder_with_provider(roots.into(), provider.clone())
                .build()
                .ok();
        TofuVerifier {
            authorities,
            known,
            server,
            provider,
        }
    }

    fn pinned(&self, presented: Fingerprint) -> Result<(), Untrusted> {
        let file = self.known.path().display().to_string();
        let server = self.server.clone();
        match self.known.check(&self.server, presented) {
            Ok(Pin::Matches) => Ok(()),
            Ok(Pin::Unknown) => Err(Untrusted::Unknown {
                server,
                fingerprint: presented,
                file,
            }),
            Ok(Pin::Changed(pinned)) => Err(Untrusted::Changed {
                server,
                pinned,
                presented,
                file,
            }),
            Err(err) => Err(Untrusted::Unreadable {
                file,
                error: err.to_string(),
            }),
        }
    }
}

impl ServerCertVerifier for TofuVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if let Some(authorities) = &self.authorities {
            let signed = authorities.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            );
            if signed.is_ok() {
                return signed;
            }
        }
        match self.pinned(Fingerprint::of(end_entity)) {
            Ok(()) => Ok(ServerCertVerified::assertion()),
            Err(untrusted) => Err(Error::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(untrusted)),
            ))),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The [`Untrusted`] reason inside a failed handshake's error, if that is
/// why it failed.
pub fn untrusted(err: &std::io::Error) -> Option<Untrusted> {
    let inner = err.get_ref()?;
    if let Some(untrusted) = inner.downcast_ref::<Untrusted>() {
        return Some(untrusted.clone());
    }
    match inner.downcast_ref::<Error>()? {
        Error::InvalidCertificate(CertificateError::Other(other)) => {
            other.0.downcast_ref::<Untrusted>().cloned()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate() -> CertificateDer<'static> {
        let names = vec!["localhost".to_owned()];
        let made = rcgen::generate_simple_self_signed(names).expect("certificate");
        made.cert.der().clone()
    }

    fn verify(verifier: &TofuVerifier, certificate: &CertificateDer<'_>) -> Result<(), Untrusted> {
        let name = ServerName::try_from("localhost").expect("name");
        match verifier.verify_server_cert(certificate, &[], &name, &[], UnixTime::now()) {
            Ok(_) => Ok(()),
            Err(Error::InvalidCertificate(CertificateError::Other(other))) => Err(other
                .0
                .downcast_ref::<Untrusted>()
                .expect("untrusted")
                .clone()),
            Err(err) => panic!("unexpected {err}"),
        }
    }

    #[test]
    fn unknown_until_pinned_then_accepted_and_a_change_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let known = KnownServers::new(dir.path().join("known_servers"));
        let server = "localhost:7000".to_owned();
        let verifier = TofuVerifier::new(
            RootCertStore::empty(),
            known.clone(),
            server.clone(),
            crate::tls::provider(),
        );
        let (first, second) = (certificate(), certificate());
        let file = known.path().display().to_string();
        let fingerprint = Fingerprint::of(&first);
        assert_eq!(
            verify(&verifier, &first),
            Err(Untrusted::Unknown {
                server: server.clone(),
                fingerprint,
                file: file.clone()
            })
        );
        known.add(&server, fingerprint).expect("pin");
        assert_eq!(verify(&verifier, &first), Ok(()));
        let presented = Fingerprint::of(&second);
        let refused = verify(&verifier, &second).expect_err("changed");
        assert_eq!(
            refused,
            Untrusted::Changed {
                server,
                pinned: fingerprint,
                presented,
                file
            }
        );
        let message = refused.to_string();
        assert!(
            message.contains(&fingerprint.to_string()) && message.contains(&presented.to_string())
        );
    }

    #[test]
    fn a_certificate_from_a_trusted_authority_is_accepted_without_a_pin() {
        let dir = tempfile::tempdir().expect("tempdir");
        let known = KnownServers::new(dir.path().join("known_servers"));
        let trusted = certificate();
        let mut roots = RootCertStore::empty();
        roots.add(trusted.clone()).expect("root");
        let verifier = TofuVerifier::new(
            roots,
            known.clone(),
            "localhost:7000".into(),
            crate::tls::provider(),
        );
        assert_eq!(verify(&verifier, &trusted), Ok(()));
        assert!(!known.path().exists());
    }
}
