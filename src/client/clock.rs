//! Local wall-clock time as `HH:MM`, for stamping lines.
//!
//! The UTC offset is read once at start (before any thread exists, which is
//! when it can be read safely); the conversion itself is a pure function.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// The local UTC offset in seconds east of UTC; `0` when it cannot be read.
pub fn local_offset() -> i32 {
    time::UtcOffset::current_local_offset().map_or(0, |offset| offset.whole_seconds())
}

/// A local time of day to the minute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    pub hour: u8,
    pub minute: u8,
}

impl Clock {
    /// The time of day at `unix_secs` seconds since the epoch, in a zone
    /// `offset_secs` east of UTC.
    pub fn from_unix(unix_secs: i64, offset_secs: i32) -> Clock {
        let local = unix_secs + i64::from(offset_secs);
        let of_day = local.rem_euclid(86_400);
        Clock {
            hour: u8::try_from(of_day / 3600).unwrap_or(0),
            minute: u8::try_from(of_day % 3600 / 60).unwrap_or(0),
        }
    }

    /// Now, in the zone `offset_secs` east of UTC.
    pub fn now(offset_secs: i32) -> Clock {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        Clock::from_unix(secs, offset_secs)
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_and_offsets() {
        // 2026-11-26T09:30:15Z
        let t = 1_795_685_415;
        assert_eq!(Clock::from_unix(t, 0).to_string(), "09:30");
        assert_eq!(Clock::from_unix(t, 3600).to_string(), "10:30");
        assert_eq!(Clock::from_unix(t, -10 * 3600).to_string(), "23:30");
        assert_eq!(Clock::from_unix(t, 5 * 3600 + 1800).to_string(), "15:00");
    }

    #[test]
    fn before_the_epoch_still_works() {
        assert_eq!(Clock::from_unix(-60, 0).to_string(), "23:59");
    }
}
