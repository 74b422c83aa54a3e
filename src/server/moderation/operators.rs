//! The operators file (`--operators PATH`): one `NAME HASH` line per
//! operator, HASH an argon2id PHC string from `chatty passwd`; `#` starts
//! a comment, blank lines are skipped. Checking a password is slow by
//! design (tens of milliseconds): callers run [`Operators::verify`] on a
//! blocking thread, never on the room's task.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use anyhow::{Context as _, anyhow, bail};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2};

/// Most operators a file may name (a bound, not a practical limit).
const MAX_OPERATORS: usize = 1024;

/// Checked against when the account is unknown, so a wrong name costs
/// as long as a wrong password and timing tells nothing.
static DECOY: LazyLock<Option<String>> = LazyLock::new(|| hash_password("decoy").ok());

/// The operator accounts: name and password hash.
#[derive(Debug, Default)]
pub struct Operators {
    accounts: HashMap<String, String>,
}

impl Operators {
    /// Reads the operators file; a bad line is an error naming it.
    pub fn load(path: &Path) -> anyhow::Result<Operators> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the operators file {}", path.display()))?;
        Operators::parse(&text).with_context(|| format!("operators file {}", path.display()))
    }

    /// Parses the file's text.
    pub fn parse(text: &str) -> anyhow::Result<Operators> {
        let mut accounts = HashMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let number = index + 1;
            let (name, hash) = parse_line(line).with_context(|| format!("line {number}"))?;
            if accounts.len() >= MAX_OPERATORS {
                bail!("line {number}: more than {MAX_OPERATORS} operators");
            }
            if accounts.insert(name.to_owned(), hash.to_owned()).is_some() {
                bail!("line {number}: operator {name:?} is named twice");
            }
        }
        Ok(Operators { accounts })
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Whether `password` is `account`'s. Slow: call off the room's task.
    pub fn verify(&self, account: &str, password: &str) -> bool {
        match self.accounts.get(account) {
            Some(hash) => matches(hash, password),
            None => {
                if let Some(decoy) = DECOY.as_deref() {
                    matches(decoy, password);
                }
                false
            }
        }
    }
}

fn parse_line(line: &str) -> anyhow::Result<(&str, &str)> {
    let mut words = line.split_whitespace();
    let (Some(name), Some(hash), None) = (words.next(), words.next(), words.next()) else {
        bail!("expected NAME HASH (a hash from `chatty passwd`)");
    };
    let parsed =
        PasswordHash::new(hash).map_err(|err| anyhow!("{name}: not a PHC hash string ({err})"))?;
    if parsed.algorithm.as_str() != Algorithm::Argon2id.as_str() {
        bail!("{name}: the hash must be argon2id (make one with `chatty passwd`)");
    }
    Ok((name, hash))
}

fn matches(hash: &str, password: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// The argon2id PHC string of `password`, with a random salt and the
/// crate's default (OWASP-recommended) parameters.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow!("cannot hash the password: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let operators =
            Operators::parse(&format!("# ops\n\nroot {hash}  # the admin\n")).expect("parses");
        assert!(operators.verify("root", "correct horse"));
        assert!(!operators.verify("root", "wrong"));
        assert!(!operators.verify("nobody", "correct horse"));
    }

    #[test]
    fn bad_lines_are_errors_with_their_number() {
        let hash = hash_password("x").expect("hash");
        let cases = [
            (format!("root {hash}\nroot {hash}\n"), "line 2"),
            ("# c\nroot\n".to_owned(), "line 2"),
            ("root notahash\n".to_owned(), "line 1"),
            (format!("\n\nroot {hash} extra\n"), "line 3"),
            (
                "root $argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo\n".to_owned(),
                "line 1",
            ),
        ];
        for (text, line) in cases {
            let err = Operators::parse(&text).expect_err(&text);
            assert!(format!("{err:#}").contains(line), "{err:#} for {text:?}");
        }
    }
}
