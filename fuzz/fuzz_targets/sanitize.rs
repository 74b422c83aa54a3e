//! Cleaning client text: never a panic, never a control character out,
//! trimmed, stable when applied twice, and echoes stay short.

#![no_main]

use chatty::fuzzing::{ECHO_CHARS, echo, sanitize, shorten, strip_controls};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, u8)| {
    let (text, max) = input;

    let clean = sanitize(text);
    assert!(!clean.chars().any(char::is_control), "control in {clean:?}");
    assert_eq!(clean.trim(), clean, "not trimmed");
    assert_eq!(sanitize(&clean), clean, "sanitize is not stable");

    let editing = strip_controls(text);
    assert!(
        !editing.chars().any(char::is_control),
        "control in {editing:?}"
    );

    let quoted = echo(text);
    assert!(
        quoted.chars().count() <= ECHO_CHARS,
        "echo too long: {quoted:?}"
    );
    assert!(
        !quoted.chars().any(char::is_control),
        "control in {quoted:?}"
    );

    let max = usize::from(max).max(1);
    let short = shorten(&clean, max);
    assert!(short.chars().count() <= max, "{short:?} over {max}");
    let kept = short.strip_suffix('…').unwrap_or(&short);
    assert!(
        clean.starts_with(kept),
        "{short:?} is not a cut of {clean:?}"
    );
});
