//! Local wall-clock time as `HH:MM`, for stamping lines, with the instant
//! kept so that day lines, the local log and the quiet-joins rule can ask
//! for the date and the seconds.
//!
//! The UTC offset is read once at start (before any thread exists, which is
//! when it can be read safely); the conversion itself is a pure function.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// The local UTC offset in seconds east of UTC; `0` when it cannot be read.
pub fn local_offset() -> i32 {
    time::UtcOffset::current_local_offset().map_or(0, |offset| offset.whole_seconds())
}

/// A local time of day to the minute, and the instant it was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    pub hour: u8,
    pub minute: u8,
    /// Seconds since the epoch.
    pub unix: i64,
    /// The zone, in seconds east of UTC.
    pub offset: i32,
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
            unix: unix_secs,
            offset: offset_secs,
        }
    }

    /// The local day, counted from the epoch: equal for two clocks on
    /// the same local date.
    pub fn day(&self) -> i64 {
        (self.unix + i64::from(self.offset)).div_euclid(86_400)
    }

    /// The local date.
    pub fn date(&self) -> time::Date {
        let zone = time::UtcOffset::from_whole_seconds(self.offset).unwrap_or(time::UtcOffset::UTC);
        time::OffsetDateTime::from_unix_timestamp(self.unix)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
            .to_offset(zone)
            .date()
    }

    /// `Tuesday 1 December 2026`, for the line between two days.
    pub fn long_date(&self) -> String {
        let date = self.date();
        format!(
            "{} {} {} {}",
            date.weekday(),
            date.day(),
            date.month(),
            date.year()
        )
    }

    /// `2026-12-01`, for file names and log lines.
    pub fn iso_date(&self) -> String {
        let date = self.date();
        format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        )
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
    fn dates_are_local() {
        // 2026-12-01T23:30:00Z: still Tuesday in UTC, Wednesday at +1.
        let t = 1_796_167_800;
        assert_eq!(
            Clock::from_unix(t, 0).long_date(),
            "Tuesday 1 December 2026"
        );
        assert_eq!(
            Clock::from_unix(t, 3600).long_date(),
            "Wednesday 2 December 2026"
        );
        assert_eq!(Clock::from_unix(t, 3600).iso_date(), "2026-12-02");
        assert_ne!(
            Clock::from_unix(t, 0).day(),
            Clock::from_unix(t, 3600).day()
        );
        assert_eq!(
            Clock::from_unix(t, 0).day(),
            Clock::from_unix(t - 3600, 0).day()
        );
    }

    #[test]
    fn before_the_epoch_still_works() {
        assert_eq!(Clock::from_unix(-60, 0).to_string(), "23:59");
    }
}
