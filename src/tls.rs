//! What the TLS server and client share: one crypto provider (ring, which
//! builds quickly on a small machine), TLS 1.2 at least, and the
//! certificate fingerprint that people compare and the client pins.

use std::fmt;
use std::sync::Arc;

use ring::digest::{SHA256, digest};
use rustls::SupportedProtocolVersion;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;

/// The protocol versions both sides offer: TLS 1.3 and 1.2, nothing older.
pub const VERSIONS: &[&SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// The crypto provider every TLS config here is built with.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The SHA-256 of a DER certificate, written `sha256:` + 64 lowercase hex
/// digits, as the server logs it and `known_servers` keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

const PREFIX: &str = "sha256:";

impl Fingerprint {
    pub fn of(certificate: &CertificateDer<'_>) -> Fingerprint {
        let mut bytes = [0; 32];
        bytes.copy_from_slice(digest(&SHA256, certificate.as_ref()).as_ref());
        Fingerprint(bytes)
    }

    /// Reads the written form back; `None` unless it is exactly that form
    /// (upper-case hex is accepted too).
    pub fn parse(text: &str) -> Option<Fingerprint> {
        let hex = text.strip_prefix(PREFIX)?.as_bytes();
        if hex.len() != 64 || !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let mut bytes = [0; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(Fingerprint(bytes))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PREFIX)?;
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_sha256_in_lowercase_hex_and_parse_back() {
        let fingerprint = Fingerprint::of(&CertificateDer::from(b"abc".to_vec()));
        let text = fingerprint.to_string();
        assert_eq!(
            text,
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Fingerprint::parse(&text), Some(fingerprint));
        assert_eq!(
            Fingerprint::parse(&text.to_uppercase().replace("SHA256", "sha256")),
            Some(fingerprint)
        );
        for bad in [
            "",
            "sha256:",
            "sha1:ba78",
            &text[..70],
            &format!("{text}0"),
            "sha256:+a7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ] {
            assert_eq!(Fingerprint::parse(bad), None, "{bad}");
        }
    }
}
