//! Session tokens and the room's epoch: random bits from the operating
//! system, written in hex, compared in constant time.

use std::fmt;

/// Bytes in a session token: 128 bits.
const TOKEN_BYTES: usize = 16;
/// Bytes in an epoch: 64 bits, plenty to tell restarts apart.
const EPOCH_BYTES: usize = 8;

/// A resume token (`-- session TOKEN`). The room finds a seat by its
/// token through a hash map keyed with a random hasher (its timing says
/// nothing an attacker can use), then compares in constant time.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Token([u8; TOKEN_BYTES]);

impl Token {
    pub fn random() -> Token {
        let mut bytes = [0; TOKEN_BYTES];
        if let Err(err) = getrandom::fill(&mut bytes) {
            // Never seen on a supported OS; a weaker token beats a crash.
            tracing::error!("no random bytes from the OS ({err}); token from a weaker source");
            bytes.iter_mut().for_each(|b| *b = fastrand::u8(..));
        }
        Token(bytes)
    }

    /// The token written as `text`, if it is one.
    pub fn parse(text: &str) -> Option<Token> {
        parse_hex(text).map(Token)
    }

    /// The token's SHA-256 in hex: what a shared log keeps, so that
    /// reading the engine does not give anyone a seat.
    pub fn digest(&self) -> String {
        hex(ring::digest::digest(&ring::digest::SHA256, &self.0).as_ref())
    }

    /// Whether `text` is this token, taking the same time whatever it is.
    pub fn matches(&self, text: &str) -> bool {
        let Some(other) = parse_hex::<TOKEN_BYTES>(text) else {
            return false;
        };
        let difference = self
            .0
            .iter()
            .zip(other.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(difference) == 0
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(..)") // never in logs
    }
}

/// A fresh epoch: the room's numbering starts again. It must differ from
/// earlier ones, not stay secret, so a weaker source will do if the OS
/// fails.
pub fn random_epoch() -> String {
    let mut bytes = [0; EPOCH_BYTES];
    if getrandom::fill(&mut bytes).is_err() {
        bytes.iter_mut().for_each(|b| *b = fastrand::u8(..));
    }
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != N * 2 || !text.is_ascii() {
        return None;
    }
    let mut bytes = [0; N];
    for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_bit_hex_and_match_only_themselves() {
        let token = Token::random();
        let text = token.to_string();
        assert_eq!(text.len(), 32);
        assert!(token.matches(&text));
        assert!(token.matches(&text.to_uppercase()));
        assert!(!Token::random().matches(&text));
        assert!(!token.matches(&text[..30]));
        assert!(!token.matches("zz"));
        assert_ne!(random_epoch(), random_epoch());
    }
}
