//! `chatty join --tls`: the client's TLS config, and trust on first use.
//!
//! A certificate that chains to a trusted authority (the system's roots and
//! `--tls-ca`) is accepted. Any other must be pinned in `known_servers`:
//! before the full-screen client starts, one connection checks the server,
//! and an unknown certificate's fingerprint is shown with a y/N question on
//! the terminal. A changed one is refused, naming both fingerprints.

pub mod known_servers;
pub mod verifier;

use std::io::{BufRead, IsTerminal as _, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};

pub use known_servers::KnownServers;
pub use verifier::{TofuVerifier, Untrusted, untrusted};

use super::link::Connector;
use crate::cli::ServerAddr;
use crate::tls::{Fingerprint, VERSIONS, provider};

/// How long the first check of the server may take before the client
/// starts anyway (and retries as usual).
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// A TLS connector for `server`, after making sure its certificate is
/// trusted or pinned (asking on the terminal to pin an unknown one).
pub async fn prepare(server: &ServerAddr, ca: Option<&Path>) -> anyhow::Result<Connector> {
    let known = KnownServers::new(KnownServers::default_path()?);
    let connector = connector(server, ca, known.clone())?;
    // Unreachable now: the client shows that and retries; the check runs
    // again on each connection.
    let checked = tokio::time::timeout(CHECK_TIMEOUT, connector.connect()).await;
    let Ok(Err(err)) = checked else {
        return Ok(connector);
    };
    match untrusted(&err) {
        Some(Untrusted::Unknown { fingerprint, .. }) => {
            let key = server.key();
            let pinned = tokio::task::spawn_blocking(move || ask_to_pin(&key, fingerprint, &known));
            pinned.await.context("the question was not answered")??;
            Ok(connector)
        }
        Some(refused) => Err(refused.into()),
        None => Ok(connector),
    }
}

/// The connector with the roots and pins for `server`.
pub fn connector(
    server: &ServerAddr,
    ca: Option<&Path>,
    known: KnownServers,
) -> anyhow::Result<Connector> {
    let roots = roots(ca)?;
    let provider = provider();
    let verifier = TofuVerifier::new(roots, known, server.key(), provider.clone());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(VERSIONS)
        .context("TLS versions")?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let name = ServerName::try_from(server.host.clone())
        .map_err(|_| anyhow::anyhow!("'{}' is not a host name TLS can check", server.host))?;
    Ok(Connector::tls(server.socket, name, Arc::new(config)))
}

/// The system's roots, and every certificate in `ca`.
fn roots(ca: Option<&Path>) -> anyhow::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(ca) = ca {
        let certificates = CertificateDer::pem_file_iter(ca)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("cannot read --tls-ca {}", ca.display()))?;
        if certificates.is_empty() {
            bail!("--tls-ca {} holds no PEM certificate", ca.display());
        }
        for certificate in certificates {
            roots.add(certificate).with_context(|| {
                format!("--tls-ca {}: not a usable CA certificate", ca.display())
            })?;
        }
    }
    Ok(roots)
}

/// Asks on the terminal whether to trust `fingerprint` for `server`, and
/// pins it if so. Without a terminal the answer is no.
fn ask_to_pin(server: &str, fingerprint: Fingerprint, known: &KnownServers) -> anyhow::Result<()> {
    let file = known.path().display();
    if !std::io::stdin().is_terminal() {
        bail!(
            "the certificate of {server} ({fingerprint}) is not signed by a trusted authority \
             and not pinned, and there is no terminal to ask on: run chatty join in a terminal, \
             or add the line \"{server} {fingerprint}\" to {file} once you have checked it"
        );
    }
    let question = question(server, fingerprint, known.path());
    let mut stderr = std::io::stderr().lock();
    if !confirm(&question, &mut std::io::stdin().lock(), &mut stderr)? {
        bail!("the certificate of {server} was not trusted; nothing was saved");
    }
    known
        .add(server, fingerprint)
        .with_context(|| format!("cannot write {file}"))?;
    writeln!(stderr, "Pinned {server} in {file}.")?;
    Ok(())
}

fn question(server: &str, fingerprint: Fingerprint, file: &Path) -> String {
    format!(
        "The certificate of {server} is not signed by an authority this machine trusts.\n\
         Its fingerprint is {fingerprint}\n\
         Compare it with the one the server logs at its start (ask its operator).\n\
         Trust it from now on (saved in {})? [y/N] ",
        file.display()
    )
}

/// Shows `question` and reads one answer: only `y` or `yes` (any case) is
/// yes; an empty line or the end of input is no.
pub fn confirm(
    question: &str,
    input: &mut impl BufRead,
    output: &mut impl Write,
) -> std::io::Result<bool> {
    output.write_all(question.as_bytes())?;
    output.flush()?;
    let mut answer = String::new();
    std::io::Read::take(input, 256).read_line(&mut answer)?;
    let answer = answer.trim();
    Ok(answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(typed: &str) -> (bool, String) {
        let mut shown = Vec::new();
        let yes = confirm("Trust it? [y/N] ", &mut typed.as_bytes(), &mut shown).expect("asked");
        (yes, String::from_utf8(shown).expect("utf-8"))
    }

    #[test]
    fn only_yes_pins() {
        assert_eq!(answer("y\n"), (true, "Trust it? [y/N] ".to_owned()));
        for yes in ["Y\n", "yes\n", " YES \r\n"] {
            assert!(answer(yes).0, "{yes:?}");
        }
        for no in ["", "\n", "n\n", "yep\n", "no\n"] {
            assert!(!answer(no).0, "{no:?}");
        }
    }

    #[test]
    fn the_question_shows_the_fingerprint_and_the_file() {
        let fingerprint = Fingerprint::of(&CertificateDer::from(b"x".to_vec()));
        let text = question(
            "example.org:7000",
            fingerprint,
            Path::new("/k/known_servers"),
        );
        assert!(text.contains("example.org:7000"), "{text}");
        assert!(text.contains(&fingerprint.to_string()), "{text}");
        assert!(
            text.contains("/k/known_servers") && text.ends_with("[y/N] "),
            "{text}"
        );
    }
}
