//! `Name`: a validated user name; `NameKey`, its case-insensitive form
//! (the roster's order); and `NameSkeleton`, the form in which two names
//! are compared for uniqueness, so look-alikes count as one name.

mod chars;
mod error;
mod script;

use std::fmt;
use std::sync::{Arc, LazyLock};

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

pub use self::error::NameError;

use self::chars::{is_name_char, is_name_start, mark_beyond_limit};
use self::script::{Mixed, mixed_scripts};
use super::sanitize::echo;

/// Most characters a name may have (after NFC).
pub const MAX_NAME_CHARS: usize = 24;

/// Names that would pass for the server itself, compared like names.
const RESERVED: [&str; 6] = ["server", "system", "root", "admin", "chatty", "operator"];

static RESERVED_SKELETONS: LazyLock<Vec<NameSkeleton>> =
    LazyLock::new(|| RESERVED.iter().map(|name| skeleton_of(name)).collect());

/// A user name that obeys docs/protocol.md: NFC, 1 to 24 characters, a letter or
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

#[cfg(test)]
mod tests;

/// A name travels as its text and is checked again when read back (a
/// shared log is input like any other).
impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Name, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Name::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl NameSkeleton {
    /// The key's text, as a shared engine stores it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
