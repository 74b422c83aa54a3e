use super::*;
use proptest::prelude::*;

#[test]
fn removes_terminal_controls() {
    assert_eq!(sanitize("a\x1b[31mred\x1b[0m"), "a[31mred[0m");
    assert_eq!(sanitize("bell\x07 del\x7f c1\u{9b}x"), "bell del c1x");
    assert_eq!(sanitize("osc\x1b]0;title\x07"), "osc]0;title");
}

#[test]
fn tabs_and_separators_become_spaces() {
    assert_eq!(sanitize("a\tb\u{2028}c\u{2029}d"), "a b c d");
}

#[test]
fn trims_and_may_end_empty() {
    assert_eq!(sanitize("  hi  \r"), "hi");
    assert_eq!(sanitize(" \t \x01 "), "");
}

#[test]
fn strip_controls_keeps_the_spaces() {
    assert_eq!(strip_controls("  a\tb\x1b[0m \n"), "  a b[0m ");
}

#[test]
fn keeps_unicode_text() {
    assert_eq!(sanitize("你好 👋🏽 Zoë"), "你好 👋🏽 Zoë");
}

#[test]
fn removes_bidi_controls() {
    let bidi = [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
    ];
    for c in bidi {
        assert_eq!(
            sanitize(&format!("ab{c}cd")),
            "abcd",
            "U+{:04X}",
            u32::from(c)
        );
    }
    assert_eq!(sanitize("see \u{202E}txt.exe"), "see txt.exe");
}

#[test]
fn removes_invisible_characters() {
    for c in ['\u{200B}', '\u{2060}', '\u{FEFF}', '\u{00AD}'] {
        assert_eq!(
            sanitize(&format!("ab{c}cd")),
            "abcd",
            "U+{:04X}",
            u32::from(c)
        );
    }
    assert_eq!(sanitize("\u{FEFF}hello"), "hello");
}

#[test]
fn a_joiner_stays_only_between_two_emoji() {
    let family = "👨\u{200D}👩\u{200D}👧";
    assert_eq!(sanitize(family), family);
    let rainbow_flag = "🏳\u{FE0F}\u{200D}🌈";
    assert_eq!(sanitize(rainbow_flag), rainbow_flag);
    let red_hair = "👨🏽\u{200D}🦰";
    assert_eq!(sanitize(red_hair), red_hair);
    assert_eq!(sanitize("a\u{200D}b"), "ab");
    assert_eq!(sanitize("a\u{200D}👋"), "a👋");
    assert_eq!(sanitize("👋\u{200D}b"), "👋b");
    assert_eq!(sanitize("👋\u{200D} 👋"), "👋 👋");
    assert_eq!(sanitize("1\u{200D}2"), "12");
    assert_eq!(sanitize("\u{200D}"), "");
}

#[test]
fn runs_of_blanks_become_one_space() {
    assert_eq!(sanitize("a  b"), "a b");
    assert_eq!(
        sanitize(&format!("x{}-- bob has left", " ".repeat(2394))),
        "x -- bob has left"
    );
    let blanks = [
        '\u{00A0}', '\u{1680}', '\u{2000}', '\u{2005}', '\u{200A}', '\u{202F}', '\u{205F}',
        '\u{3000}', '\u{115F}', '\u{1160}', '\u{2800}', '\u{3164}', '\u{FFA0}',
    ];
    for c in blanks {
        let padded = format!("a{c}{c} {c}b");
        assert_eq!(sanitize(&padded), "a b", "U+{:04X}", u32::from(c));
        assert_eq!(sanitize(&format!("{c}a{c}")), "a", "U+{:04X}", u32::from(c));
    }
    assert_eq!(sanitize("a \u{200B} b"), "a b");
}

#[test]
fn strip_controls_drops_hidden_characters_and_keeps_blanks_one_for_one() {
    assert_eq!(strip_controls(" a\u{202E}\u{200B}b "), " ab ");
    assert_eq!(strip_controls("a\u{3000}\u{3164}b"), "a  b");
    assert_eq!(strip_controls("a\u{200D}b 👨\u{200D}👩"), "ab 👨\u{200D}👩");
}

#[test]
fn reasons_lose_their_parentheses() {
    assert_eq!(
        sanitize_reason("x) -- bob has left (idle"),
        "x -- bob has left idle"
    );
    assert_eq!(sanitize_reason("(  )"), "");
    assert_eq!(sanitize_reason("lunch （back soon）"), "lunch back soon");
    assert_eq!(sanitize_reason("  see\u{202E} you  "), "see you");
}

#[test]
fn shorten_marks_the_cut() {
    assert_eq!(shorten("abc", 3), "abc");
    assert_eq!(shorten("abcdef", 4), "abc…");
    assert_eq!(shorten("你好世界啊", 3), "你好…");
}

fn is_hidden_or_blank(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FFA0}'
    ) || (c.is_whitespace() && c != ' ')
}

proptest! {
    #[test]
    fn output_never_holds_a_control(text in any::<String>()) {
        let clean = sanitize(&text);
        prop_assert!(!clean.chars().any(char::is_control));
        prop_assert_eq!(clean.trim(), clean.as_str());
    }

    #[test]
    fn output_never_holds_hidden_characters_or_double_blanks(text in any::<String>()) {
        let clean = sanitize(&text);
        prop_assert!(!clean.chars().any(is_hidden_or_blank), "{:?}", clean);
        prop_assert!(!clean.contains("  "), "{:?}", clean);
        prop_assert_eq!(sanitize(&clean), clean.clone(), "sanitizing twice changes nothing");
    }

    #[test]
    fn reasons_never_hold_parentheses(text in "[ a-z()\u{200B}\u{202E}]{0,40}") {
        let clean = sanitize_reason(&text);
        prop_assert!(!clean.contains(['(', ')']), "{:?}", clean);
        prop_assert_eq!(clean.trim(), clean.as_str());
    }

    #[test]
    fn echo_is_bounded(text in any::<String>()) {
        prop_assert!(echo(&text).chars().count() <= ECHO_CHARS);
    }
}
