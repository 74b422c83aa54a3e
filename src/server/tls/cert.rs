//! The server's certificate: read from the operator's PEM files, or made
//! once (self-signed) and kept in the state directory, so the fingerprint
//! clients pinned stays the same across restarts.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use rcgen::{CertificateParams, DnType, KeyPair};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// File names of the self-signed certificate and its key in the state directory.
pub const CERT_FILE: &str = "cert.pem";
pub const KEY_FILE: &str = "key.pem";

/// Where the server's certificate comes from.
#[derive(Clone, Debug)]
pub enum CertSource {
    /// The operator's certificate chain and private key (PEM).
    Files { cert: PathBuf, key: PathBuf },
    /// A self-signed certificate kept in `state_dir`, made for `names` the
    /// first time.
    SelfSigned {
        state_dir: PathBuf,
        names: Vec<String>,
    },
}

/// A certificate chain (the server's own first) and its private key.
#[derive(Debug)]
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Identity {
    pub fn load(source: &CertSource) -> anyhow::Result<Identity> {
        match source {
            CertSource::Files { cert, key } => read(cert, key),
            CertSource::SelfSigned { state_dir, names } => self_signed(state_dir, names),
        }
    }
}

fn read(cert: &Path, key: &Path) -> anyhow::Result<Identity> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read a certificate from {}", cert.display()))?;
    if chain.is_empty() {
        bail!("{} holds no PEM certificate", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read a private key from {}", key.display()))?;
    Ok(Identity { chain, key })
}

/// Reuses the kept certificate, or makes one. The key is written first, so
/// a crash in between leaves a key alone, which is replaced.
fn self_signed(state_dir: &Path, names: &[String]) -> anyhow::Result<Identity> {
    let cert = state_dir.join(CERT_FILE);
    let key = state_dir.join(KEY_FILE);
    match (cert.exists(), key.exists()) {
        (true, true) => {
            tracing::info!("self-signed certificate reused: {}", cert.display());
            read(&cert, &key)
        }
        (true, false) => bail!(
            "{} exists but its key {} is gone: restore the key, or delete the \
             certificate to make a new one (clients that pinned the old one will refuse it)",
            cert.display(),
            key.display()
        ),
        (false, _) => {
            let identity = make(state_dir, names, &cert, &key)?;
            tracing::info!("self-signed certificate made: {}", cert.display());
            Ok(identity)
        }
    }
}

fn make(state_dir: &Path, names: &[String], cert: &Path, key: &Path) -> anyhow::Result<Identity> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(state_dir)
        .with_context(|| format!("cannot create the state directory {}", state_dir.display()))?;
    let key_pair = KeyPair::generate().context("cannot make a key")?;
    let mut params = CertificateParams::new(names.to_vec()).context("bad certificate name")?;
    params
        .distinguished_name
        .push(DnType::CommonName, "chatty self-signed");
    let certificate = params
        .self_signed(&key_pair)
        .context("cannot make a certificate")?;
    write_new(key, key_pair.serialize_pem().as_bytes(), 0o600)?;
    write_new(cert, certificate.pem().as_bytes(), 0o644)?;
    let key = PrivateKeyDer::try_from(key_pair.serialize_der())
        .map_err(|err| anyhow::anyhow!("cannot use the new key: {err}"))?;
    Ok(Identity {
        chain: vec![certificate.der().clone()],
        key,
    })
}

/// Writes `bytes` to a fresh file created with `mode`, then renames it into
/// place: a reader never sees half a file, and a key is never readable by
/// others, not even for a moment.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let temporary = path.with_extension("pem.tmp");
    let _ = fs::remove_file(&temporary);
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temporary, path));
    written.with_context(|| format!("cannot write {}", path.display()))
}

/// The names a self-signed certificate is made for: loopback, this
/// machine's host name, and the listen address when it is a specific one.
pub fn default_names(listen: std::net::SocketAddr) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Ok(host) = fs::read_to_string("/proc/sys/kernel/hostname") {
        let host = host.trim();
        if !host.is_empty() && host.is_ascii() && host != "localhost" {
            names.push(host.to_owned());
        }
    }
    let ip = listen.ip();
    if !ip.is_unspecified() && !ip.is_loopback() {
        names.push(ip.to_string());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::Fingerprint;
    use std::os::unix::fs::PermissionsExt as _;

    fn source(dir: &Path) -> CertSource {
        CertSource::SelfSigned {
            state_dir: dir.join("state"),
            names: vec!["localhost".into(), "127.0.0.1".into()],
        }
    }

    #[test]
    fn a_self_signed_certificate_is_made_once_with_a_private_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = Identity::load(&source(dir.path())).expect("made");
        let again = Identity::load(&source(dir.path())).expect("reused");
        assert_eq!(
            Fingerprint::of(&first.chain[0]),
            Fingerprint::of(&again.chain[0])
        );
        let key = dir.path().join("state").join(KEY_FILE);
        let mode = fs::metadata(&key).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let state = fs::metadata(dir.path().join("state")).expect("dir");
        assert_eq!(state.permissions().mode() & 0o777, 0o700);
    }

    #[test]
    fn a_lone_key_is_replaced_but_a_lone_certificate_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        Identity::load(&source(dir.path())).expect("made");
        let state = dir.path().join("state");
        fs::remove_file(state.join(CERT_FILE)).expect("remove cert");
        Identity::load(&source(dir.path())).expect("made again");
        fs::remove_file(state.join(KEY_FILE)).expect("remove key");
        let err = Identity::load(&source(dir.path())).expect_err("refused");
        assert!(format!("{err:#}").contains("key"), "{err:#}");
    }

    #[test]
    fn files_without_pem_are_refused_clearly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty.pem");
        fs::write(&empty, "nothing here\n").expect("write");
        let files = CertSource::Files {
            cert: empty.clone(),
            key: empty.clone(),
        };
        let err = Identity::load(&files).expect_err("refused");
        assert!(format!("{err:#}").contains("no PEM certificate"), "{err:#}");
    }
}
