//! The pinned servers: `known_servers`, one `HOST:PORT sha256:...` line per
//! server, as ssh's `known_hosts` is for hosts. Lines that do not read as a
//! pin (comments, blanks, typos) are skipped.

use std::fs;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::tls::Fingerprint;

/// More than any real file; beyond it the rest is not read.
const MAX_BYTES: u64 = 1 << 20;

/// What the file says about one server's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pin {
    /// No line for the server.
    Unknown,
    /// A line for the server has this fingerprint.
    Matches,
    /// The server is pinned, to this other fingerprint.
    Changed(Fingerprint),
}

/// The `known_servers` file at a path.
#[derive(Clone, Debug)]
pub struct KnownServers {
    path: PathBuf,
}

impl KnownServers {
    pub fn new(path: PathBuf) -> KnownServers {
        KnownServers { path }
    }

    /// `$XDG_DATA_HOME/chatty/known_servers`, or under `~/.local/share`.
    pub fn default_path() -> anyhow::Result<PathBuf> {
        Ok(crate::dirs::data_dir()?.join("known_servers"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Looks `server` (`HOST:PORT`) up; a missing file pins nothing.
    pub fn check(&self, server: &str, presented: Fingerprint) -> io::Result<Pin> {
        let mut pinned = None;
        for (name, fingerprint) in parse(&self.read()?) {
            if name == server {
                if fingerprint == presented {
                    return Ok(Pin::Matches);
                }
                pinned.get_or_insert(fingerprint);
            }
        }
        Ok(pinned.map_or(Pin::Unknown, Pin::Changed))
    }

    /// Appends a line pinning `server` to `fingerprint`.
    pub fn add(&self, server: &str, fingerprint: Fingerprint) -> io::Result<()> {
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(format!("{server} {fingerprint}\n").as_bytes())?;
        file.sync_all()
    }

    fn read(&self) -> io::Result<String> {
        let mut bytes = Vec::new();
        match fs::File::open(&self.path) {
            Ok(file) => file.take(MAX_BYTES).read_to_end(&mut bytes)?,
            Err(err) if err.kind() == io::ErrorKind::NotFound => 0,
            Err(err) => return Err(err),
        };
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The `(server, fingerprint)` pins in a file's text.
fn parse(text: &str) -> impl Iterator<Item = (&str, Fingerprint)> {
    text.lines().filter_map(|line| {
        let mut words = line.split_whitespace();
        let server = words.next().filter(|word| !word.starts_with('#'))?;
        let fingerprint = Fingerprint::parse(words.next()?)?;
        Some((server, fingerprint))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::CertificateDer;

    fn fingerprint(seed: &[u8]) -> Fingerprint {
        Fingerprint::of(&CertificateDer::from(seed.to_vec()))
    }

    #[test]
    fn first_use_pins_and_a_change_is_seen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let known = KnownServers::new(dir.path().join("chatty").join("known_servers"));
        let (old, new) = (fingerprint(b"old"), fingerprint(b"new"));
        assert_eq!(
            known.check("example.org:7000", old).expect("read"),
            Pin::Unknown
        );
        known.add("example.org:7000", old).expect("pin");
        let text = fs::read_to_string(known.path()).expect("written");
        assert_eq!(text, format!("example.org:7000 {old}\n"));
        assert_eq!(
            known.check("example.org:7000", old).expect("read"),
            Pin::Matches
        );
        assert_eq!(
            known.check("example.org:7000", new).expect("read"),
            Pin::Changed(old)
        );
        assert_eq!(
            known.check("example.org:7001", new).expect("read"),
            Pin::Unknown
        );
    }

    #[test]
    fn comments_blanks_and_garbage_are_skipped() {
        let good = fingerprint(b"good");
        let text =
            format!("# mine\n\nnonsense\nhost:1 sha256:zz\n\t[::1]:7000   {good}  trailing\n");
        let pins: Vec<_> = parse(&text).collect();
        assert_eq!(pins, vec![("[::1]:7000", good)]);
    }
}
