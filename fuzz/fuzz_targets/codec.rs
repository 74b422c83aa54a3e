//! The line codec: however the same bytes are cut into reads, the frames
//! are the same, and no frame holds a newline.

#![no_main]

use arbitrary::Arbitrary;
use chatty::fuzzing::{Frame, decode_chunks};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    max_line_bytes: u8,
    cuts: Vec<u16>,
    bytes: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let Input {
        max_line_bytes,
        mut cuts,
        bytes,
    } = input;
    let max = usize::from(max_line_bytes);
    let whole = decode_chunks(max, [bytes.as_slice()]).expect("whole stream");

    for cut in &mut cuts {
        *cut = (usize::from(*cut) % (bytes.len() + 1)) as u16;
    }
    cuts.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for &cut in &cuts {
        chunks.push(&bytes[start..usize::from(cut)]);
        start = usize::from(cut);
    }
    chunks.push(&bytes[start..]);
    let cut = decode_chunks(max, chunks).expect("cut stream");
    assert_eq!(cut, whole, "cut at {cuts:?}");

    let byte_by_byte = decode_chunks(max, bytes.chunks(1)).expect("one byte at a time");
    assert_eq!(byte_by_byte, whole, "one byte at a time");

    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    assert!(whole.len() <= newlines + 1, "more frames than lines");
    for frame in &whole {
        if let Frame::Line(line) = frame {
            assert!(!line.contains('\n'), "newline inside {line:?}");
            assert!(line.len() <= 3 * max, "{line:?} is over the limit");
        }
    }
});
