//! Names that mix scripts which never mix, after UTS #39's "highly
//! restrictive" level: one script, or Han with Hiragana, Katakana or
//! Hangul (Latin allowed beside them). So `小明`, `山田たろう`, `김金` and
//! `Tokyo東京` are names, while a Latin name with one Cyrillic or Greek
//! letter in it, the look-alike trick, is not.
//!
//! The level is computed here rather than with `unicode-security`'s
//! `detect_restriction_level`, which also refuses every character outside
//! its identifier profile and would blame scripts for that.

use unicode_script::{Script, UnicodeScript};
use unicode_security::mixed_script::AugmentedScriptSet;

/// A character whose script does not mix with the rest of a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Mixed {
    pub bad: char,
    pub script: &'static str,
    /// The script most of the name is in, when the rest agrees on one.
    pub with: Option<&'static str>,
}

/// The character that makes `name` mix scripts, or `None` when it is
/// highly restrictive. The blame goes to the first character outside the
/// script most of the name is written in, so `аlice` blames its Cyrillic
/// `а`, not the Latin `l` after it.
pub(super) fn mixed_scripts(name: &str) -> Option<Mixed> {
    if is_highly_restrictive(name.chars()) {
        return None;
    }
    let main = main_script(name)?;
    let in_main = |c: char| c.script() == main || !is_specific(c);
    let outsider = name.chars().find(|&bad| {
        !in_main(bad) && !is_highly_restrictive(name.chars().filter(|&c| in_main(c) || c == bad))
    });
    let (bad, with) = match outsider {
        Some(bad) => (bad, Some(main.full_name())),
        None => (first_that_mixes(name)?, None),
    };
    Some(Mixed {
        bad,
        script: bad.script().full_name(),
        with,
    })
}

/// UTS #39 "highly restrictive", scripts only: one resolved script, or
/// the non-Latin part fits Japanese, Korean or Han with Bopomofo.
fn is_highly_restrictive(chars: impl Iterator<Item = char>) -> bool {
    let mut all = AugmentedScriptSet::default();
    let mut beside_latin = AugmentedScriptSet::default();
    for c in chars {
        let set = AugmentedScriptSet::for_char(c);
        all.intersect_with(set);
        if !set.base.contains_script(Script::Latin) {
            beside_latin.intersect_with(set);
        }
    }
    !all.is_empty() || beside_latin.kore || beside_latin.hanb || beside_latin.jpan
}

/// A character of one script, not Common or Inherited (digits, `_`,
/// combining marks, ...).
fn is_specific(c: char) -> bool {
    !matches!(
        c.script(),
        Script::Common | Script::Inherited | Script::Unknown
    )
}

/// The script most characters of `name` are in; the earliest on a tie.
fn main_script(name: &str) -> Option<Script> {
    let mut counts: Vec<(Script, usize)> = Vec::new();
    for script in name.chars().filter(|&c| is_specific(c)).map(|c| c.script()) {
        match counts.iter_mut().find(|(known, _)| *known == script) {
            Some((_, count)) => *count += 1,
            None => counts.push((script, 1)),
        }
    }
    let most = counts.iter().map(|&(_, count)| count).max()?;
    counts
        .into_iter()
        .find(|&(_, count)| count == most)
        .map(|(script, _)| script)
}

/// The character that ends the longest highly restrictive prefix: the
/// blame when no single script holds most of the name together.
fn first_that_mixes(name: &str) -> Option<char> {
    name.char_indices()
        .find(|&(at, c)| !is_highly_restrictive(name[..at].chars().chain([c])))
        .map(|(_, c)| c)
}
