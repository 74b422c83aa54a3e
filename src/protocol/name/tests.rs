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

fn refused(raw: &str) -> String {
    Name::parse(raw).expect_err(raw).to_string()
}

#[test]
fn confusables_share_a_skeleton() {
    let alice = ok("alice").skeleton();
    assert_eq!(ok("ALICE").skeleton(), alice);
    assert_eq!(ok("ａｌｉｃｅ").skeleton(), alice);
    assert_eq!(ok("a1ice").skeleton(), alice, "digit one for l");
    assert_eq!(
        ok("аЅ").skeleton(),
        ok("as").skeleton(),
        "Cyrillic а and dze"
    );
    assert_eq!(ok("rnary").skeleton(), ok("mary").skeleton());
    assert_ne!(ok("alice").skeleton(), ok("alicia").skeleton());
    assert_ne!(ok("小明").skeleton(), ok("小朋").skeleton());
}

#[test]
fn single_script_names_of_any_script_are_valid() {
    for raw in [
        "Михаил",
        "Ελένη",
        "देव",
        "小明",
        "たなか",
        "김민준",
        "محمد",
        "Zoë",
    ] {
        ok(raw);
    }
}

#[test]
fn names_mixing_han_with_kana_or_hangul_or_latin_are_valid() {
    for raw in [
        "山田たろう",
        "東京タワー",
        "김金",
        "Tokyo東京",
        "hello世界",
        "ok東京タワー",
    ] {
        ok(raw);
    }
}

#[test]
fn mixed_scripts_are_refused_naming_the_character() {
    assert_eq!(
        refused("аlice"),
        "name \"аlice\" is invalid: 'а' (U+0430) is Cyrillic and does not mix with Latin"
    );
    assert!(refused("alicе").contains("'е' (U+0435) is Cyrillic"));
    assert!(refused("pοpe").contains("'ο' (U+03BF) is Greek"));
    assert!(refused("Михаилa").contains("'a' (U+0061) is Latin and does not mix with Cyrillic"));
    assert!(refused("devदेव").contains("is Devanagari"));
    assert!(refused("かな한").contains("'한' (U+D55C) is Hangul"));
}

#[test]
fn names_posing_as_the_system_are_refused() {
    for raw in [
        "server",
        "System",
        "ROOT",
        "admin",
        "Chatty",
        "operator",
        "ａｄｍｉｎ",
        "adrnin",
    ] {
        assert_eq!(
            refused(raw),
            format!("name \"{raw}\" is reserved for the system, choose another"),
        );
    }
    for raw in ["admins", "root2", "servers", "sysop"] {
        ok(raw);
    }
}

#[test]
fn fillers_that_render_as_nothing_are_refused() {
    assert!(refused("a\u{16FE4}").contains("U+16FE4 is not allowed"));
    assert!(refused("a\u{115F}").contains("U+115F is not allowed"));
    assert!(refused("a\u{FFA0}").contains("U+FFA0 is not allowed"));
    assert!(refused("\u{1160}a").contains("must start with a letter or digit"));
}

#[test]
fn at_most_two_combining_marks_on_one_letter() {
    ok("e\u{301}\u{302}");
    ok("ệ");
    ok("a\u{301}b\u{301}\u{300}");
    assert_eq!(
        refused("ze\u{301}\u{302}\u{303}d"),
        "name \"ze\u{301}\u{302}\u{303}d\" is invalid: U+0303 is a third combining mark on one letter (two at most)"
    );
    assert!(refused("Zalgo\u{300}\u{301}\u{302}\u{303}\u{304}").contains("U+0302 is a third"));
}

proptest::proptest! {
    #[test]
    fn parse_never_panics_and_accepted_names_parse_again(
        raw in "\\PC{0,30}|[a-zA-Z0-9_.-]{1,30}|[а-яА-Я0-9a-z]{1,10}|[\u{4e00}-\u{4e40}ぁ-ゖa-z]{1,10}"
    ) {
        if let Ok(name) = Name::parse(&raw) {
            let again = Name::parse(name.as_str());
            proptest::prop_assert_eq!(again.as_ref(), Ok(&name));
            if name.as_str().is_ascii() {
                let upper = ok(&name.as_str().to_ascii_uppercase());
                proptest::prop_assert_eq!(upper.skeleton(), name.skeleton());
            }
        }
    }
}
