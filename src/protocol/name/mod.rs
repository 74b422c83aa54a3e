//! `Name`: a validated user name; `NameKey`, its case-insensitive form
//! (the roster's order); and `NameSkeleton`, the form in which two names
//! are compared for uniqueness, so look-alikes count as one name.

mod chars;
mod script;

use std::fmt;
use std::sync::{Arc, LazyLock};

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

use self::chars::{is_invisible, is_name_char, is_name_start, mark_beyond_limit};
use self::script::{Mixed, mixed_scripts};
use super::sanitize::echo;

/// Most characters a name may have (after NFC).
pub const MAX_NAME_CHARS: usize = 24;

/// Names that would pass for the server itself, compared like names.
const RESERVED: [&str; 6] = ["server", "system", "root", "admin", "chatty", "operator"];

static RESERVED_SKELETONS: LazyLock<Vec<NameSkeleton>> =
    LazyLock::new(|| RESERVED.iter().map(|name| skeleton_of(name)).collect());

/// A user name that obeys PROTOCOL.md: NFC, 1 to 24 characters, a letter or
/// digit first, then letters, marks, digits, `_`, `-` or `.`; at most two
/// marks on a letter, scripts that mix, and not posing as the system.
///
/// Cheap to clone: the room copies names into every line it renders.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Arc<str>);

/// A name's NFKC case fold, so that `Alice`, `alice` and `ａｌｉｃｅ` are
/// one name; the roster is sorted by it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameKey(String);

/// The uniqueness key of a name: the confusable skeleton (UTS #39) of its
/// [`NameKey`], so that `alice`, `a1ice` and `аlice` with a Cyrillic `а`
/// are one name. Not an order anyone should see (`m` becomes `rn`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NameSkeleton(String);

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
        if let Some(bad) = mark_beyond_limit(&name) {
            return Err(NameError::Marks {
                name: echo(raw),
                bad,
            });
        }
        if let Some(Mixed { bad, script, with }) = mixed_scripts(&name) {
            return Err(NameError::Scripts {
                name: echo(raw),
                bad,
                script,
                with,
                skeleton: skeleton_of(&name),
            });
        }
        let name = Name(name.into());
        if RESERVED_SKELETONS.contains(&name.skeleton()) {
            return Err(NameError::Reserved { name: echo(raw) });
        }
        Ok(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive form of this name, which sorts the roster.
    pub fn key(&self) -> NameKey {
        NameKey(fold(&self.0))
    }

    /// The key under which the room reserves this name.
    pub fn skeleton(&self) -> NameSkeleton {
        skeleton_of(&self.0)
    }

    /// Whether `other` is this name in other letter case: the one rename
    /// a client may make onto a name that counts as its own.
    pub fn differs_only_in_case(&self, other: &Name) -> bool {
        let fold = |name: &Name| name.0.chars().default_case_fold().collect::<String>();
        fold(self) == fold(other)
    }
}

/// The NFKC case fold (NFKC, full case folding, NFKC again).
fn fold(name: &str) -> String {
    let once: String = name.nfkc().default_case_fold().collect();
    once.nfkc().collect()
}

fn skeleton_of(name: &str) -> NameSkeleton {
    NameSkeleton(unicode_security::skeleton(&fold(name)).collect())
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

#[cfg(test)]
mod tests;
