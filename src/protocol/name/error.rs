//! `NameError`: why a proposed name was refused, in words for the `!` line.

use std::fmt;

use super::chars::is_invisible;
use super::{MAX_NAME_CHARS, NameSkeleton};

/// Why a proposed name was refused; `Display` is the text of the `!` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameError {
    Length {
        name: String,
    },
    Start {
        name: String,
    },
    Char {
        name: String,
        bad: char,
    },
    /// More than two combining marks on one letter; `bad` is the third.
    Marks {
        name: String,
        bad: char,
    },
    /// Scripts that never mix; `bad` is the one that does not fit.
    Scripts {
        name: String,
        bad: char,
        script: &'static str,
        with: Option<&'static str>,
        /// What the name would be compared as, had it been valid.
        skeleton: NameSkeleton,
    },
    /// The name poses as the system (`admin`, `server`, ...).
    Reserved {
        name: String,
    },
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
            NameError::Marks { name, bad } => write!(
                f,
                "name \"{name}\" is invalid: {} is a third combining mark on one letter \
                 (two at most)",
                describe(*bad)
            ),
            NameError::Scripts {
                name,
                bad,
                script,
                with,
                skeleton: _,
            } => {
                let code = u32::from(*bad);
                let with = with.unwrap_or("the rest of it");
                write!(
                    f,
                    "name \"{name}\" is invalid: '{bad}' (U+{code:04X}) is {script} \
                     and does not mix with {with}"
                )
            }
            NameError::Reserved { name } => {
                write!(
                    f,
                    "name \"{name}\" is reserved for the system, choose another"
                )
            }
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

impl NameError {
    /// For a name refused only for mixing scripts, the skeleton it would
    /// have: while someone holds a name with that skeleton, the better
    /// answer is that the name is taken (`аlice` while `alice` is in).
    pub fn lookalike(&self) -> Option<&NameSkeleton> {
        match self {
            NameError::Scripts { skeleton, .. } => Some(skeleton),
            NameError::Length { .. }
            | NameError::Start { .. }
            | NameError::Char { .. }
            | NameError::Marks { .. }
            | NameError::Reserved { .. } => None,
        }
    }

    /// The refused name as the error quotes it (sanitized, shortened).
    pub fn quoted(&self) -> &str {
        match self {
            NameError::Length { name }
            | NameError::Start { name }
            | NameError::Char { name, .. }
            | NameError::Marks { name, .. }
            | NameError::Scripts { name, .. }
            | NameError::Reserved { name } => name,
        }
    }
}

impl std::error::Error for NameError {}
