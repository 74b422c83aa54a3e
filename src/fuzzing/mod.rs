//! What the fuzz targets in `fuzz/` drive, in one place.
//!
//! Not an API: hidden from the docs and free to change with the targets.
//! The protocol's pure rules are re-exported as they are; the room, which
//! needs a member's outbox and join reply wired up, is driven through
//! [`RoomScript`], so the server's internals need not be public for it.

mod room_script;

pub use crate::protocol::name::MAX_NAME_CHARS;
pub use crate::protocol::sanitize::{ECHO_CHARS, echo};
pub use crate::protocol::{
    ByeReason, Frame, LineCodec, Name, ServerLine, sanitize, shorten, strip_controls,
};
pub use room_script::{Departure, JoinOutcome, RoomScript};

use bytes::BytesMut;
use tokio_util::codec::Decoder as _;

/// The frames a fresh [`LineCodec`] makes of `chunks` arriving one after
/// another, then the end of the stream.
pub fn decode_chunks<'a>(
    max_line_bytes: usize,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> std::io::Result<Vec<Frame>> {
    let mut codec = LineCodec::new(max_line_bytes);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Some(frame) = codec.decode(&mut buf)? {
            frames.push(frame);
        }
    }
    while let Some(frame) = codec.decode_eof(&mut buf)? {
        frames.push(frame);
    }
    Ok(frames)
}
