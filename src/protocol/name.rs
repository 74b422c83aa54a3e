//! `Name`: a validated user name, and `NameKey`, the form in which two
//! names are compared for uniqueness.

use std::fmt;
use std::sync::Arc;

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::sanitize::echo;

/// Most characters a name may have (after NFC).
pub const MAX_NAME_CHARS: usize = 24;

/// A user name that obeys PROTOCOL.md: NFC, 1 to 24 characters, a letter or
/// digit first, then letters, marks, digits, `_`, `-` or `.`.
///
/// Cheap to clone: the room copies names into every line it renders.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Arc<str>);

/// The uniqueness key of a name: its NFKC case fold, so that `Alice`,
/// `alice` and `ａｌｉｃｅ` are one name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameKey(String);

/// Why a proposed name was refused; `Display` is the text of the `!` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameError {
    Length { name: String },
    Start { name: String },
    Char { name: String, bad: char },
}

impl Name {
    /// Validates a proposed name, normalizing it to NFC first.
    pub fn parse(raw: &str) -> Result<Name, NameError> {
        let name: String = raw.nfc().collect();
        let count = name.chars().count();
        if count == 0 || count > MAX_NAME_CHARS {
            return Err(NameError::Length { name: echo(raw) });
        }
        let mut chars = name.chars();
        if !chars.next().is_some_and(char::is_alphanumeric) {
            return Err(NameError::Start { name: echo(raw) });
        }
        if let Some(bad) = chars.find(|&c| !is_name_char(c)) {
            return Err(NameError::Char {
                name: echo(raw),
                bad,
            });
        }
        Ok(Name(name.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key under which the room reserves this name.
    pub fn key(&self) -> NameKey {
        let once: String = self.0.nfkc().default_case_fold().collect();
        NameKey(once.nfkc().collect())
    }

    /// Whether `other` differs from this name only in case (or width):
    /// the one rename a client may make onto a name that is "taken".
    pub fn same_key(&self, other: &Name) -> bool {
        self.key() == other.key()
    }
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c) || matches!(c, '_' | '-' | '.')
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Length { name } => write!(
                f,
                "name \"{name}\" is invalid: use 1 to {MAX_NAME_CHARS} characters"
            ),
            NameError::Start { name } => write!(
                f,
                "name \"{name}\" is invalid: it must start with a letter or digit"
            ),
            NameError::Char { name, bad } => write!(
                f,
                "name \"{name}\" is invalid: {} is not allowed (use letters, digits, _ - .)",
                describe(*bad)
            ),
        }
    }
}

/// Names a refused character so a person can see it, even when it is a
/// space or invisible.
fn describe(c: char) -> String {
    if c.is_alphanumeric() || c.is_ascii_punctuation() {
        format!("'{c}'")
    } else if c == ' ' {
        "a space".to_owned()
    } else {
        format!("U+{:04X}", u32::from(c))
    }
}

impl std::error::Error for NameError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> Name {
        Name::parse(raw).expect(raw)
    }

    #[test]
    fn accepts_the_protocol_examples() {
        for raw in ["alice", "小明", "Zoë", "देव", "a", "x_y-z.1", "7up"] {
            assert_eq!(ok(raw).as_str(), raw);
        }
    }

    #[test]
    fn normalizes_to_nfc() {
        assert_eq!(ok("Zoe\u{308}").as_str(), "Zoë");
    }

    #[test]
    fn refuses_bad_names_with_a_reason() {
        let cases = [
            ("", "use 1 to 24 characters"),
            ("abcdefghijklmnopqrstuvwxy", "use 1 to 24 characters"),
            ("-x", "must start with a letter or digit"),
            ("!x", "must start with a letter or digit"),
            ("a b", "a space is not allowed"),
            ("a:b", "':' is not allowed"),
            ("a*b", "'*' is not allowed"),
            ("a\u{200b}b", "U+200B is not allowed"),
        ];
        for (raw, reason) in cases {
            let err = Name::parse(raw).expect_err(raw).to_string();
            assert!(err.contains(reason), "{raw:?}: {err}");
        }
    }

    #[test]
    fn twenty_four_characters_is_the_limit() {
        ok("abcdefghijklmnopqrstuvwx");
        ok("小小小小小小小小小小小小小小小小小小小小小小小小");
    }

    #[test]
    fn keys_fold_case_and_width() {
        assert_eq!(ok("Alice").key(), ok("alice").key());
        assert_eq!(ok("ａｌｉｃｅ").key(), ok("alice").key());
        assert_eq!(ok("STRASSE").key(), ok("straße").key());
        assert_ne!(ok("alice").key(), ok("alicia").key());
    }

    #[test]
    fn error_echo_is_sanitized() {
        let err = Name::parse("\x1b[31mred").expect_err("escape").to_string();
        assert!(!err.contains('\x1b'));
    }
}
