//! `chatty passwd`: a password in, its argon2id PHC hash out. On a
//! terminal the password is read without echo, twice; from a pipe, one
//! line. It is cleaned as the server cleans the `/oper` line it will
//! arrive in, so what the operator types in chat is what was hashed.

use std::io::{BufRead, IsTerminal, Read};

use anyhow::{Context as _, bail};

use super::operators::hash_password;
use crate::protocol::sanitize;

/// Longest password read from a pipe, in bytes.
const MAX_PASSWORD_BYTES: u64 = 1024;

/// Reads the password (from the terminal or standard input) and returns
/// its hash.
pub fn run() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        from_terminal()?
    } else {
        from_reader(&mut std::io::stdin().lock())?
    };
    hash_of(&password)
}

fn from_terminal() -> anyhow::Result<String> {
    let first = rpassword::prompt_password("password: ").context("cannot read the password")?;
    let again = rpassword::prompt_password("again: ").context("cannot read the password")?;
    if first != again {
        bail!("the two passwords differ");
    }
    Ok(first)
}

/// One line, without its line end; bounded, so a stray file cannot fill memory.
pub fn from_reader(input: &mut impl BufRead) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    input
        .take(MAX_PASSWORD_BYTES + 1)
        .read_until(b'\n', &mut bytes)
        .context("cannot read the password")?;
    if bytes.len() as u64 > MAX_PASSWORD_BYTES {
        bail!("the password is longer than {MAX_PASSWORD_BYTES} bytes");
    }
    let text = String::from_utf8(bytes).context("the password is not UTF-8")?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

/// The hash of the password as it arrives in chat.
pub fn hash_of(password: &str) -> anyhow::Result<String> {
    let password = sanitize(password);
    if password.is_empty() {
        bail!("the password is empty");
    }
    hash_password(&password)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::moderation::Operators;

    #[test]
    fn a_piped_line_is_the_password_as_typed_in_chat() {
        let password = from_reader(&mut &b"  two  words \r\nignored\n"[..]).expect("read");
        let hash = hash_of(&password).expect("hash");
        let operators = Operators::parse(&format!("root {hash}")).expect("parse");
        assert!(operators.verify("root", "two words"));
    }

    #[test]
    fn empty_and_huge_passwords_are_refused() {
        assert!(hash_of(" \t").is_err());
        let huge = vec![b'x'; 5000];
        assert!(from_reader(&mut &huge[..]).is_err());
    }
}
