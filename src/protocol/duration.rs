//! Durations as operators type them in chat (`/ban bob 1h spam`,
//! `/mute bob 30m`): whole numbers with a unit, `s`, `m`, `h`, `d` or `w`,
//! one or more in a row (`1h30m`). Strict, so a reason's first word is
//! never taken for a duration by accident.

use std::time::Duration;

/// The longest duration accepted: longer is as good as forever, and the
/// cap keeps every sum and deadline far from overflowing.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 366 * 24 * 3600);

/// Reads `1h`, `30m`, `7d`, `1h30m`; `None` for anything else, zero
/// and anything over [`MAX_DURATION`] included.
pub fn parse_chat_duration(text: &str) -> Option<Duration> {
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 || digits > 9 {
            return None;
        }
        let count: u64 = rest[..digits].parse().ok()?;
        let mut chars = rest[digits..].chars();
        let unit = unit_seconds(chars.next()?)?;
        total = total.checked_add(count.checked_mul(unit)?)?;
        rest = chars.as_str();
    }
    let duration = Duration::from_secs(total);
    (total > 0 && duration <= MAX_DURATION).then_some(duration)
}

fn unit_seconds(unit: char) -> Option<u64> {
    match unit {
        's' => Some(1),
        'm' => Some(60),
        'h' => Some(3600),
        'd' => Some(24 * 3600),
        'w' => Some(7 * 24 * 3600),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_sums() {
        let secs = |text| parse_chat_duration(text).map(|d| d.as_secs());
        assert_eq!(secs("45s"), Some(45));
        assert_eq!(secs("30m"), Some(1800));
        assert_eq!(secs("1h"), Some(3600));
        assert_eq!(secs("7d"), Some(7 * 86400));
        assert_eq!(secs("2w"), Some(14 * 86400));
        assert_eq!(secs("1h30m"), Some(5400));
    }

    #[test]
    fn words_and_odd_shapes_are_not_durations() {
        for text in [
            "",
            "spam",
            "1",
            "h",
            "1x",
            "1H",
            "1h30",
            "-1h",
            "0s",
            "0h0m",
            "1.5h",
            "1 h",
            "d1",
            "１h",
            "99999999999h",
            "9999w",
        ] {
            assert_eq!(parse_chat_duration(text), None, "{text:?}");
        }
        assert_eq!(parse_chat_duration("3660d"), Some(MAX_DURATION));
        assert_eq!(parse_chat_duration("3661d"), None, "over the cap");
    }
}
