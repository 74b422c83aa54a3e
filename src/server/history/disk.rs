//! The history file on disk: read back as a stream, rewritten safely.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::protocol::{ServerLine, sanitize};

/// Longest line read back from the file; longer ones are skipped. Room
/// lines are shorter: `--max-line-bytes` is at most 16 MiB.
const MAX_LOADED_LINE_BYTES: usize = (16 << 20) + 1024;

/// Streams the file's whole lines to `keep`; returns how many lines the
/// file holds. A missing file is an empty history.
pub(super) fn load(path: &Path, mut keep: impl FnMut(&str)) -> io::Result<usize> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err),
    };
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut line = Vec::new();
    let mut count = 0;
    // Only lines ended by '\n' are whole: a crash may have torn the last.
    while next_line(&mut reader, &mut line, MAX_LOADED_LINE_BYTES)? {
        count += 1;
        keep(&String::from_utf8_lossy(&line));
    }
    Ok(count)
}

/// A loaded line as the room would have made it from client input: only
/// messages and actions, their text sanitized, empty ones dropped.
pub(super) fn clean(line: ServerLine) -> Option<ServerLine> {
    let sanitized = |text: &str| Some(sanitize(text)).filter(|text| !text.is_empty());
    match line {
        ServerLine::Message { from, text } => {
            sanitized(&text).map(|text| ServerLine::Message { from, text })
        }
        ServerLine::Action { from, text } => {
            sanitized(&text).map(|text| ServerLine::Action { from, text })
        }
        ServerLine::Private { .. }
        | ServerLine::YouAre(_)
        | ServerLine::Online(_)
        | ServerLine::Arrived(_)
        | ServerLine::Left { .. }
        | ServerLine::Renamed { .. }
        | ServerLine::Bye(_)
        | ServerLine::Skipped(_)
        | ServerLine::HistoryStart(_)
        | ServerLine::HistoryEnd
        | ServerLine::TagsOn
        | ServerLine::Away { .. }
        | ServerLine::Back(_)
        | ServerLine::ResumedStart(_)
        | ServerLine::ResumedEnd
        | ServerLine::Session(_)
        | ServerLine::Ignoring(_)
        | ServerLine::NotIgnoring(_)
        | ServerLine::IgnoreList(_)
        | ServerLine::Notice(_)
        | ServerLine::Error(_)
        | ServerLine::Unknown(_) => None,
    }
}

/// Reads the next `\n`-ended line into `line`, without the `\n`; `false`
/// at the end of the file (a last line without `\n` is torn: dropped). A
/// line over `limit` bytes is not kept: it comes back empty.
fn next_line(reader: &mut impl BufRead, line: &mut Vec<u8>, limit: usize) -> io::Result<bool> {
    line.clear();
    let mut too_long = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if chunk.is_empty() {
            return Ok(false);
        }
        let newline = memchr::memchr(b'\n', chunk);
        let used = newline.unwrap_or(chunk.len());
        too_long |= line.len() + used > limit;
        if too_long {
            line.clear();
        } else {
            line.extend_from_slice(&chunk[..used]);
        }
        reader.consume(used + usize::from(newline.is_some()));
        if newline.is_some() {
            return Ok(true);
        }
    }
}

/// Replaces the file with `lines` and returns it opened for appending.
/// The copy is written beside it, synced, then renamed over it (and the
/// directory synced), so the file is always the old or the new one; a
/// failed copy is removed so it holds no space.
pub(super) fn rewrite(path: &Path, lines: &[String]) -> io::Result<File> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let written = write_synced(&temporary, lines);
    if let Err(err) = written.and_then(|()| fs::rename(&temporary, path)) {
        let _ = fs::remove_file(&temporary);
        return Err(err);
    }
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        // Makes the rename durable; some filesystems cannot sync a directory.
        let _ = File::open(dir).and_then(|dir| dir.sync_all());
    }
    append_to(path)
}

fn write_synced(path: &Path, lines: &[String]) -> io::Result<()> {
    let mut file = BufWriter::new(File::create(path)?);
    for line in lines {
        file.write_all(line.as_bytes())?;
        file.write_all(b"\n")?;
    }
    file.into_inner()
        .map_err(|err| err.into_error())?
        .sync_all()
}

/// The file opened for appending, created when missing.
pub(super) fn append_to(path: &Path) -> io::Result<File> {
    OpenOptions::new().append(true).create(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_skips_overlong_lines_and_a_torn_end() {
        let mut reader = io::BufReader::with_capacity(4, &b"short\nmuch too long\nok\ntorn"[..]);
        let mut line = Vec::new();
        let mut read = Vec::new();
        while next_line(&mut reader, &mut line, 8).expect("read") {
            read.push(String::from_utf8(line.clone()).expect("utf-8"));
        }
        assert_eq!(read, ["short", "", "ok"]);
    }
}
