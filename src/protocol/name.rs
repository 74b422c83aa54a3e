//! `Name`: a validated user name, and `NameKey`, the form in which two
//! names are compared for uniqueness.

use std::fmt;
use std::sync::Arc;

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use super::sanitize::echo;

/// Most characters a name may have (after NFC).
pub const MAX_NAME_CHARS: usize = 24;

/// A user name that obeys `docs/protocol.md`: NFC, 1 to 24 characters, a letter or
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
        if !chars.next().is_some_and(is_name_start) {
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

    /// Whether `other` is this name in other letter case: the one rename
    /// a client may make onto a name that counts as its own.
    pub fn differs_only_in_case(&self, other: &Name) -> bool {
        let fold = |name: &Name| name.0.chars().default_case_fold().collect::<String>();
        fold(self) == fold(other)
    }
}

/// A Unicode letter or decimal digit, and nothing invisible.
fn is_name_start(c: char) -> bool {
    !is_invisible(c)
        && (c.general_category_group() == GeneralCategoryGroup::Letter
            || c.general_category() == GeneralCategory::DecimalNumber)
}

/// Letters, combining marks, decimal digits, `_`, `-`, `.`; nothing
/// invisible.
fn is_name_char(c: char) -> bool {
    if is_invisible(c) {
        return false;
    }
    matches!(c, '_' | '-' | '.')
        || c.general_category() == GeneralCategory::DecimalNumber
        || matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Letter | GeneralCategoryGroup::Mark
        )
}

/// Default-ignorable code points (Unicode's DerivedCoreProperties): they
/// draw as nothing, so `alice` plus one of them would pass for `alice`.
/// Some are letters (the Hangul fillers) or marks (variation selectors).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
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
    if (c.is_alphanumeric() && !is_invisible(c)) || c.is_ascii_punctuation() {
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
            ("alice\u{fe0f}", "U+FE0F is not allowed"),
            ("alice\u{34f}", "U+034F is not allowed"),
            ("\u{3164}", "must start with a letter or digit"),
            ("a\u{3164}", "U+3164 is not allowed"),
            ("\u{93f}x", "must start with a letter or digit"),
            ("½", "must start with a letter or digit"),
            ("a½", "'½' is not allowed"),
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
    fn case_changes_are_told_from_width_changes() {
        assert!(ok("alice").differs_only_in_case(&ok("Alice")));
        assert!(!ok("alice").differs_only_in_case(&ok("ａｌｉｃｅ")));
        assert!(!ok("alice").differs_only_in_case(&ok("alicia")));
    }

    #[test]
    fn error_echo_is_sanitized() {
        let err = Name::parse("\x1b[31mred").expect_err("escape").to_string();
        assert!(!err.contains('\x1b'));
    }
}
