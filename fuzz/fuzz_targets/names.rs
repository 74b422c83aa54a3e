//! The name rules: never a panic; a name that passes is short, starts
//! with a letter or digit, holds nothing that could fake a line, is
//! stable when checked again and round-trips through server lines; a
//! refusal is one clean line.

#![no_main]

use chatty::fuzzing::{MAX_NAME_CHARS, Name, ServerLine};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    let name = match Name::parse(raw) {
        Ok(name) => name,
        Err(err) => {
            let text = err.to_string();
            assert!(!text.chars().any(char::is_control), "control in {text:?}");
            return;
        }
    };
    let text = name.as_str();
    let count = text.chars().count();
    assert!(
        (1..=MAX_NAME_CHARS).contains(&count),
        "{text:?} has {count} chars"
    );
    // Not `char::is_alphanumeric`: the standard library's Unicode tables
    // may be older than the name rules' (U+058B is a letter in one only).
    let first = text.chars().next().expect("not empty");
    assert!(
        !matches!(first, '_' | '-' | '.'),
        "{text:?} starts with {first:?}"
    );
    for c in text.chars() {
        assert!(
            !c.is_whitespace() && !c.is_control(),
            "{text:?} holds {c:?}"
        );
        assert!(
            !matches!(c, ':' | '*' | ',' | '!' | '(' | ')'),
            "{text:?} holds {c:?}"
        );
    }

    let again = Name::parse(text).expect("a valid name checks again");
    assert_eq!(again, name, "not stable");
    assert_eq!(again.key(), name.key(), "key not stable");
    assert!(name.differs_only_in_case(&again));

    let line = ServerLine::Message {
        from: name.clone(),
        text: "hi".to_owned(),
    };
    assert_eq!(ServerLine::parse(&line.to_string()), line);
    let arrived = ServerLine::Arrived(name);
    assert_eq!(ServerLine::parse(&arrived.to_string()), arrived);
});
