//! The bench line: a stamp that survives any server prefix, and the cheap
//! scan that finds it again.
//!
//! A bench line's text is `~cbRUN SENDER SEQ MICROS` padded with ` xxx..`
//! to the payload size. `RUN` tells this run's lines from any other's, so a
//! server's history or a second bench cannot confuse the counts. Receivers
//! look for the marker anywhere in a line (`alice: ~cb...`,
//! `127.0.0.1:5555: ~cb...`), with a precomputed substring finder and no
//! allocation.

use std::io::Write as _;

use memchr::memmem::Finder;

/// What a received line turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// A bench line of this run.
    Stamp(Stamp),
    /// `-- N messages skipped`.
    Skipped(u64),
    /// Anything else (notices, other runs, other traffic).
    Other,
}

/// The stamp inside a bench line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub sender: usize,
    pub seq: u64,
    /// When it was sent, in microseconds since the bench started.
    pub sent_us: u64,
}

/// Writes and recognizes the bench lines of one run.
#[derive(Debug)]
pub struct Format {
    marker: Vec<u8>,
    finder: Finder<'static>,
    payload: usize,
}

impl Format {
    /// Lines of run `run`, padded to `payload` bytes of text.
    pub fn new(run: u32, payload: usize) -> Format {
        let marker = format!("~cb{run:08x} ").into_bytes();
        let finder = Finder::new(&marker).into_owned();
        Format {
            marker,
            finder,
            payload,
        }
    }

    /// Appends one line, newline included, to `out`.
    pub fn write(&self, out: &mut Vec<u8>, stamp: Stamp) {
        let start = out.len();
        out.extend_from_slice(&self.marker);
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{} {} {}", stamp.sender, stamp.seq, stamp.sent_us);
        let written = out.len() - start;
        if written + 1 < self.payload {
            out.push(b' ');
            out.resize(start + self.payload, b'x');
        }
        out.push(b'\n');
    }

    /// Classifies one received line (without its newline).
    pub fn scan(&self, line: &[u8]) -> Seen {
        if let Some(at) = self.finder.find(line) {
            return parse_stamp(&line[at + self.marker.len()..]).map_or(Seen::Other, Seen::Stamp);
        }
        skipped(line).map_or(Seen::Other, Seen::Skipped)
    }
}

fn parse_stamp(text: &[u8]) -> Option<Stamp> {
    let mut fields = text.split(|&b| b == b' ');
    let sender = number(fields.next()?)?;
    let seq = number(fields.next()?)?;
    let last = fields.next()?;
    let sent_us = number(last.strip_suffix(b"\r").unwrap_or(last))?;
    Some(Stamp {
        sender: usize::try_from(sender).ok()?,
        seq,
        sent_us,
    })
}

/// `-- N messages skipped`, chatty's notice for a reader that fell behind.
fn skipped(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let count = line
        .strip_prefix(b"-- ")?
        .strip_suffix(b" messages skipped")?;
    number(count)
}

fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAMP: Stamp = Stamp {
        sender: 3,
        seq: 42,
        sent_us: 123_456,
    };

    fn line(format: &Format) -> Vec<u8> {
        let mut out = Vec::new();
        format.write(&mut out, STAMP);
        out
    }

    #[test]
    fn pads_to_the_payload_size() {
        let format = Format::new(7, 64);
        let out = line(&format);
        assert_eq!(out.len(), 65);
        assert!(out.ends_with(b"x\n"));
        assert!(out.starts_with(b"~cb00000007 3 42 123456 x"));
    }

    #[test]
    fn a_small_payload_is_just_the_stamp() {
        let out = line(&Format::new(7, 1));
        assert_eq!(out, b"~cb00000007 3 42 123456\n");
    }

    #[test]
    fn found_after_any_prefix() {
        let format = Format::new(7, 40);
        let mut out = line(&format);
        out.pop();
        for prefix in [&b""[..], b"alice: ", b"127.0.0.1:5555: "] {
            let text = [prefix, &out].concat();
            assert_eq!(format.scan(&text), Seen::Stamp(STAMP), "{prefix:?}");
        }
        let unpadded = line(&Format::new(7, 0));
        assert_eq!(
            format.scan(&unpadded[..unpadded.len() - 1]),
            Seen::Stamp(STAMP)
        );
    }

    #[test]
    fn other_runs_and_notices() {
        let format = Format::new(7, 40);
        let other = line(&Format::new(8, 40));
        assert_eq!(format.scan(&other[..other.len() - 1]), Seen::Other);
        assert_eq!(format.scan(b"-- 17 messages skipped"), Seen::Skipped(17));
        assert_eq!(format.scan(b"-- bench-1 has arrived"), Seen::Other);
        assert_eq!(format.scan(b"~cb00000007 x y z"), Seen::Other);
    }
}
