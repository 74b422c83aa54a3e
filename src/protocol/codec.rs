//! Our line codec: splits a byte stream into lines.
//!
//! Unlike tokio-util's `LinesCodec` it never ends the stream on bad input:
//! invalid UTF-8 is decoded lossily and an over-long line is reported as
//! [`Frame::TooLong`] (an item, not an error) while its bytes are discarded,
//! so memory stays bounded however long the line is. `Err` is reserved for
//! real I/O errors.

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

/// One unit read from a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A complete line without its `\n` or `\r\n`, decoded lossily.
    Line(String),
    /// A line longer than the limit; its bytes were dropped.
    TooLong,
}

/// Decodes `\n`- or `\r\n`-terminated lines of at most `max_line_bytes`.
#[derive(Clone, Debug)]
pub struct LineCodec {
    max_line_bytes: usize,
    /// How far the buffer has been searched for `\n` already.
    scanned: usize,
    /// Inside an over-long line: drop bytes up to the next `\n`.
    discarding: bool,
}

impl LineCodec {
    pub fn new(max_line_bytes: usize) -> Self {
        LineCodec {
            max_line_bytes,
            scanned: 0,
            discarding: false,
        }
    }

    /// Drops bytes of an over-long line; true once its `\n` was consumed.
    fn discard(&mut self, buf: &mut BytesMut) -> bool {
        match find_newline(buf) {
            Some(end) => {
                buf.advance(end + 1);
                self.discarding = false;
                true
            }
            None => {
                buf.clear();
                false
            }
        }
    }

    fn take_line(&mut self, buf: &mut BytesMut, end: usize) -> Frame {
        let line = buf.split_to(end + 1);
        self.scanned = 0;
        let content = strip_eol(&line);
        if content.len() > self.max_line_bytes {
            Frame::TooLong
        } else {
            Frame::Line(String::from_utf8_lossy(content).into_owned())
        }
    }
}

impl Decoder for LineCodec {
    type Item = Frame;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, Self::Error> {
        if self.discarding && !self.discard(buf) {
            return Ok(None);
        }
        if let Some(offset) = find_newline(&buf[self.scanned..]) {
            return Ok(Some(self.take_line(buf, self.scanned + offset)));
        }
        // One spare byte for a `\r` that may still precede the `\n`.
        if buf.len() > self.max_line_bytes + 1 {
            buf.clear();
            self.scanned = 0;
            self.discarding = true;
            return Ok(Some(Frame::TooLong));
        }
        self.scanned = buf.len();
        Ok(None)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, Self::Error> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        if self.discarding || buf.is_empty() {
            buf.clear();
            return Ok(None);
        }
        // A final line without a newline is still a line.
        buf.extend_from_slice(b"\n");
        self.decode(buf)
    }
}

/// Where the next `\n` is: `memchr` searches a word at a time, which
/// matters for the long lines a client may send.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', bytes)
}

fn strip_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Feeds `chunks` one at a time, then ends the stream.
    fn decode_all(max: usize, chunks: &[&[u8]]) -> Vec<Frame> {
        let mut codec = LineCodec::new(max);
        let mut buf = BytesMut::new();
        let mut frames = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(frame) = codec.decode(&mut buf).expect("decode") {
                frames.push(frame);
            }
        }
        while let Some(frame) = codec.decode_eof(&mut buf).expect("eof") {
            frames.push(frame);
        }
        frames
    }

    fn line(text: &str) -> Frame {
        Frame::Line(text.to_owned())
    }

    #[test]
    fn splits_on_lf_and_crlf() {
        let frames = decode_all(100, &[b"a\nb\r\nc\r", b"\n"]);
        assert_eq!(frames, [line("a"), line("b"), line("c")]);
    }

    #[test]
    fn final_line_without_newline_counts() {
        assert_eq!(decode_all(100, &[b"hi\nbye"]), [line("hi"), line("bye")]);
    }

    #[test]
    fn invalid_utf8_is_lossy() {
        assert_eq!(decode_all(100, &[b"a\xffb\n"]), [line("a\u{fffd}b")]);
    }

    #[test]
    fn too_long_is_an_item_and_the_stream_goes_on() {
        let frames = decode_all(4, &[b"abcdefgh", b"ijkl\nok\n"]);
        assert_eq!(frames, [Frame::TooLong, line("ok")]);
    }

    #[test]
    fn too_long_within_one_chunk() {
        assert_eq!(
            decode_all(4, &[b"abcdef\nok\n"]),
            [Frame::TooLong, line("ok")]
        );
    }

    #[test]
    fn limit_is_inclusive_and_ignores_crlf() {
        assert_eq!(decode_all(4, &[b"abcd\r\n"]), [line("abcd")]);
        assert_eq!(decode_all(4, &[b"abcde\r\n"]), [Frame::TooLong]);
    }

    #[test]
    fn unterminated_overlong_tail_is_dropped() {
        assert_eq!(
            decode_all(4, &[b"ok\nabcdefghij"]),
            [line("ok"), Frame::TooLong]
        );
    }

    #[test]
    fn buffer_stays_bounded_while_discarding() {
        let mut codec = LineCodec::new(8);
        let mut buf = BytesMut::new();
        for _ in 0..1000 {
            buf.extend_from_slice(&[b'x'; 100]);
            while codec.decode(&mut buf).expect("decode").is_some() {}
            assert!(buf.len() <= 100);
        }
    }

    proptest! {
        #[test]
        fn same_lines_however_the_stream_is_split(
            lines in proptest::collection::vec("[^\n]{0,12}", 0..12),
            crlf in any::<bool>(),
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let stream: String = lines.iter().map(|l| format!("{l}{eol}")).collect();
            let bytes = stream.as_bytes();
            let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
            points.sort_unstable();
            let mut chunks = Vec::new();
            let mut start = 0;
            for p in points {
                chunks.push(&bytes[start..p]);
                start = p;
            }
            chunks.push(&bytes[start..]);
            let whole = decode_all(20, &[bytes]);
            prop_assert_eq!(decode_all(20, &chunks), whole);
        }
    }
}
