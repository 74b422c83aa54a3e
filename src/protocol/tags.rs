//! Tag blocks (protocol 1.1): `@key=value;key=value ` in front of a line
//! that carries data, for clients that sent `/tags`.
//!
//! The room stamps every room line with its `seq` and `time`; `-- you are`
//! carries the room's `epoch`, a `seq` and the `session` token. Values
//! never hold `;`, `=`, a space or a control character, and a line
//! without tags never starts with `@`, so a client splits the block off
//! without guessing.

use std::fmt;

use super::server_line::ServerLine;

/// A room sequence number: 1, 2, 3, ... in the room's one order.
pub type Seq = u64;

/// When the room ordered a line: milliseconds since the Unix epoch (UTC).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Timestamp {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(now.as_millis()).unwrap_or(i64::MAX))
    }

    /// Reads RFC 3339 UTC with milliseconds, as [`fmt::Display`] writes it.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text.strip_suffix('Z')?;
        let (date, clock) = text.split_once('T')?;
        let (hms, millis) = clock.split_once('.')?;
        let mut date = date.splitn(3, '-').map(str::parse::<i32>);
        let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
        let mut hms = hms.splitn(3, ':').map(str::parse::<u8>);
        let (hour, minute, second) = (hms.next()?.ok()?, hms.next()?.ok()?, hms.next()?.ok()?);
        if millis.len() != 3 {
            return None;
        }
        let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
        let date = time::Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
        let clock = time::Time::from_hms_milli(hour, minute, second, millis.parse().ok()?).ok()?;
        let at = time::PrimitiveDateTime::new(date, clock).assume_utc();
        i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
            .ok()
            .map(Timestamp)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = i128::from(self.0) * 1_000_000;
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.millisecond()
        )
    }
}

/// Where a room line stands in the room's order, and when it was put there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub seq: Seq,
    pub time: Timestamp,
}

impl Stamp {
    /// The tag block of a room line.
    pub fn tags(self) -> Tags {
        Tags::stamp(self.seq, self.time)
    }
}

/// The tags this version knows; unknown ones are ignored when parsing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags {
    pub epoch: Option<String>,
    pub seq: Option<Seq>,
    pub time: Option<Timestamp>,
    pub session: Option<String>,
}

impl Tags {
    /// The tags of a room line.
    pub fn stamp(seq: Seq, time: Timestamp) -> Tags {
        Tags {
            seq: Some(seq),
            time: Some(time),
            ..Tags::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Tags::default()
    }

    /// Reads a block without its `@` (and without the space after it).
    pub fn parse(block: &str) -> Tags {
        let mut tags = Tags::default();
        for pair in block.split(';') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            match key {
                "epoch" => tags.epoch = Some(value.to_owned()),
                "seq" => tags.seq = value.parse().ok(),
                "time" => tags.time = Timestamp::parse(value),
                "session" => tags.session = Some(value.to_owned()),
                _ => {}
            }
        }
        tags
    }
}

impl fmt::Display for Tags {
    /// `@key=value;...`, in the order epoch, seq, time, session.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = '@';
        let mut pair = |f: &mut fmt::Formatter<'_>, key: &str, value: &dyn fmt::Display| {
            let result = write!(f, "{separator}{key}={value}");
            separator = ';';
            result
        };
        if let Some(epoch) = &self.epoch {
            pair(f, "epoch", epoch)?;
        }
        if let Some(seq) = &self.seq {
            pair(f, "seq", seq)?;
        }
        if let Some(time) = &self.time {
            pair(f, "time", time)?;
        }
        if let Some(session) = &self.session {
            pair(f, "session", session)?;
        }
        Ok(())
    }
}

/// A line with its tag block: `@seq=1042;time=... alice: hi`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tagged {
    pub tags: Tags,
    pub line: ServerLine,
}

impl Tagged {
    /// Splits a received line into its tags (empty when it has none) and
    /// the version 1 line after them. Never fails.
    pub fn parse(text: &str) -> Tagged {
        let (tags, rest) = match text.strip_prefix('@').and_then(|t| t.split_once(' ')) {
            Some((block, rest)) => (Tags::parse(block), rest),
            None => (Tags::default(), text),
        };
        Tagged {
            tags,
            line: ServerLine::parse(rest),
        }
    }
}

impl fmt::Display for Tagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.tags.is_empty() {
            return write!(f, "{}", self.line);
        }
        write!(f, "{} {}", self.tags, self.line)
    }
}

/// Whether `value` may stand in a tag: no `;`, `=`, space or control.
pub fn is_tag_value(value: &str) -> bool {
    !value.is_empty()
        && !value
            .chars()
            .any(|c| c == ';' || c == '=' || c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Name;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_accepts_any_string(line in any::<String>()) {
            let _ = Tagged::parse(&line);
        }

        #[test]
        fn tagged_talk_round_trips(seq in any::<u64>(), millis in 0i64..4_102_444_800_000, text in "[^\n]{1,40}") {
            let line = ServerLine::Message { from: Name::parse("zoë").expect("name"), text };
            let tagged = Tagged { tags: Tags::stamp(seq, Timestamp(millis)), line };
            prop_assert_eq!(Tagged::parse(&tagged.to_string()), tagged);
        }
    }

    fn hi() -> ServerLine {
        ServerLine::Message {
            from: Name::parse("alice").expect("name"),
            text: "hi".into(),
        }
    }

    #[test]
    fn a_room_line_renders_exactly_as_the_protocol_writes_it() {
        let time = Timestamp::parse("2026-12-01T18:20:00.123Z").expect("time");
        let tagged = Tagged {
            tags: Tags::stamp(1042, time),
            line: hi(),
        };
        assert_eq!(
            tagged.to_string(),
            "@seq=1042;time=2026-12-01T18:20:00.123Z alice: hi"
        );
        assert_eq!(Tagged::parse(&tagged.to_string()), tagged);
    }

    #[test]
    fn you_are_carries_epoch_seq_and_session() {
        let tags = Tags {
            epoch: Some("e1".into()),
            seq: Some(7),
            session: Some("00ff".into()),
            ..Tags::default()
        };
        let line = ServerLine::YouAre(Name::parse("bob").expect("name"));
        let tagged = Tagged { tags, line };
        assert_eq!(
            tagged.to_string(),
            "@epoch=e1;seq=7;session=00ff -- you are bob"
        );
        assert_eq!(Tagged::parse(&tagged.to_string()), tagged);
    }

    #[test]
    fn untagged_lines_and_unknown_tags() {
        let plain = Tagged::parse("alice: hi");
        assert!(plain.tags.is_empty());
        assert_eq!(plain.line, hi());
        let odd = Tagged::parse("@x=1;seq=5;junk alice: hi");
        assert_eq!(odd.tags.seq, Some(5));
        assert_eq!(odd.line, hi());
    }

    #[test]
    fn timestamps_round_trip_and_pad() {
        for text in ["1970-01-01T00:00:00.000Z", "2026-02-28T09:05:07.040Z"] {
            let time = Timestamp::parse(text).expect(text);
            assert_eq!(time.to_string(), text);
        }
        assert_eq!(Timestamp::parse("2026-02-30T00:00:00.000Z"), None);
        assert_eq!(Timestamp::parse("2026-02-01T00:00:00Z"), None);
    }

    #[test]
    fn tag_values_are_checked() {
        assert!(is_tag_value("0a1b"));
        for bad in ["", "a;b", "a=b", "a b", "a\u{1b}"] {
            assert!(!is_tag_value(bad), "{bad:?}");
        }
    }
}
