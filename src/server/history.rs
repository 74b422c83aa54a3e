//! The room's history: the last `--history` messages and actions, replayed
//! to each newcomer, optionally kept in a file across restarts.
//!
//! The file is plain wire text, one line each, appended as the room talks.
//! At start it is read back as a stream, keeping only the last lines (a
//! torn last line from a crash is ignored, as is any line that is not a
//! message or action, and text is sanitized as client input is), then
//! rewritten compactly; while running it is rewritten whenever it holds
//! twice the lines kept. A rewrite that fails (a full disk) leaves the old
//! file in place, appended to, and is tried again later. The copy is
//! synced before it replaces the file, so a power loss cannot empty it.
//! The disk is written by a blocking task of its own, fed through a bounded
//! queue, so a slow disk never stalls the room; if that queue is full the
//! line is kept in memory but not in the file, and a warning is logged.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use anyhow::Context;
use tokio_util::task::TaskTracker;

use crate::protocol::{ServerLine, sanitize};

/// The last room lines, in order.
#[derive(Debug, Default)]
pub struct History {
    lines: VecDeque<ServerLine>,
    capacity: usize,
    file: Option<HistoryFile>,
}

/// Disk writes waiting for the history file's task.
const FILE_QUEUE: usize = 1024;

/// The room's side of the history file: it counts lines and queues writes.
#[derive(Debug)]
struct HistoryFile {
    writes: SyncSender<FileWrite>,
    lines_in_file: usize,
    /// A write was lost since the last warning (warn once per episode).
    behind: bool,
}

#[derive(Debug)]
enum FileWrite {
    Append(String),
    Rewrite(Vec<String>),
}

impl History {
    /// A history kept in memory only.
    pub fn in_memory(capacity: usize) -> History {
        History {
            capacity,
            ..History::default()
        }
    }

    /// A history loaded from and kept in `path` (created when missing);
    /// its writer task is tracked by `tracker` so it finishes before the
    /// server returns.
    pub fn open(capacity: usize, path: &Path, tracker: &TaskTracker) -> anyhow::Result<History> {
        let mut history = History::in_memory(capacity);
        let lines_in_file = load(path, |line| history.remember(line))
            .with_context(|| format!("cannot read history file {}", path.display()))?;
        let (file, lines_in_file) = match rewrite(path, &wire_lines(&history.lines)) {
            Ok(file) => (file, history.lines.len()),
            Err(err) => {
                tracing::warn!(
                    path = %path.display(),
                    "cannot compact the history file, will try again later: {err}"
                );
                let file = append_to(path)
                    .with_context(|| format!("cannot write history file {}", path.display()))?;
                (file, lines_in_file)
            }
        };
        let (writes, queue) = sync_channel(FILE_QUEUE);
        let path = path.to_owned();
        tracker.spawn_blocking(move || write_file(path, file, queue));
        history.file = Some(HistoryFile {
            writes,
            lines_in_file,
            behind: false,
        });
        Ok(history)
    }

    /// Keeps a room line (messages and actions only).
    pub fn record(&mut self, line: &ServerLine) {
        if self.capacity == 0 || !line.is_room_talk() {
            return;
        }
        self.remember(line.clone());
        if let Some(file) = &mut self.file {
            file.record(line, &self.lines, self.capacity);
        }
    }

    /// The lines a newcomer gets, oldest first.
    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &ServerLine> + ExactSizeIterator {
        self.lines.iter()
    }

    fn remember(&mut self, line: ServerLine) {
        if self.capacity == 0 {
            return;
        }
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }
}

impl HistoryFile {
    /// Queues the line's append, or a compacting rewrite once the file
    /// holds twice what is kept.
    fn record(&mut self, line: &ServerLine, kept: &VecDeque<ServerLine>, capacity: usize) {
        let write = if self.lines_in_file >= capacity.saturating_mul(2).max(64) {
            self.lines_in_file = kept.len();
            FileWrite::Rewrite(wire_lines(kept))
        } else {
            self.lines_in_file += 1;
            FileWrite::Append(line.to_string())
        };
        match self.writes.try_send(write) {
            Ok(()) => self.behind = false,
            Err(TrySendError::Full(_)) if !self.behind => {
                self.behind = true;
                tracing::warn!("history file is behind the room; lines are kept in memory only");
            }
            Err(_) => {}
        }
    }
}

/// The history file's task: performs queued writes until the room is gone.
/// After a failed write the next one starts on a fresh line, so a torn
/// line never swallows the one after it.
fn write_file(path: PathBuf, mut file: File, writes: Receiver<FileWrite>) {
    let mut torn = false;
    for write in writes {
        let result = match write {
            FileWrite::Append(line) => {
                let text = if torn {
                    format!("\n{line}\n")
                } else {
                    format!("{line}\n")
                };
                file.write_all(text.as_bytes())
            }
            FileWrite::Rewrite(lines) => rewrite(&path, &lines).map(|new| file = new),
        };
        torn = result.is_err();
        if let Err(err) = result {
            tracing::warn!(path = %path.display(), "history file not updated: {err}");
        }
    }
}

/// The wire text of each kept line.
fn wire_lines(lines: &VecDeque<ServerLine>) -> Vec<String> {
    lines.iter().map(ToString::to_string).collect()
}

/// Longest line read back from the file; longer ones are skipped. Room
/// lines are shorter: `--max-line-bytes` is at most 16 MiB.
const MAX_LOADED_LINE_BYTES: usize = (16 << 20) + 1024;

/// Streams the file's room lines to `keep`, sanitized; returns how many
/// lines the file holds. A missing file is an empty history.
fn load(path: &Path, mut keep: impl FnMut(ServerLine)) -> io::Result<usize> {
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
        if let Some(line) = clean(ServerLine::parse(&String::from_utf8_lossy(&line))) {
            keep(line);
        }
    }
    Ok(count)
}

/// A loaded line as the room would have made it from client input: only
/// messages and actions, their text sanitized, empty ones dropped.
fn clean(line: ServerLine) -> Option<ServerLine> {
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
fn rewrite(path: &Path, lines: &[String]) -> io::Result<File> {
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
fn append_to(path: &Path) -> io::Result<File> {
    OpenOptions::new().append(true).create(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Name;

    fn say(text: &str) -> ServerLine {
        let from = Name::parse("bob").expect("name");
        ServerLine::Message {
            from,
            text: text.to_owned(),
        }
    }

    fn texts(history: &History) -> Vec<String> {
        history.lines().map(ToString::to_string).collect()
    }

    fn temp_path(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("chatty-history-{}-{name}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        dir.join("history.txt")
    }

    #[test]
    fn keeps_only_the_last_lines_of_talk() {
        let mut history = History::in_memory(2);
        history.record(&say("one"));
        history.record(&ServerLine::notice("pong"));
        history.record(&say("two"));
        history.record(&say("three"));
        assert_eq!(texts(&history), ["bob: two", "bob: three"]);
    }

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

    #[test]
    fn zero_keeps_nothing() {
        let mut history = History::in_memory(0);
        history.record(&say("one"));
        assert_eq!(history.lines().len(), 0);
    }

    /// Opens the file, records `texts`, and waits until they are written.
    async fn session(capacity: usize, path: &Path, said: &[&str]) -> Vec<String> {
        let tracker = TaskTracker::new();
        let mut history = History::open(capacity, path, &tracker).expect("open");
        let kept = texts(&history);
        for text in said {
            history.record(&say(text));
        }
        drop(history);
        tracker.close();
        tracker.wait().await;
        kept
    }

    #[tokio::test]
    async fn survives_a_restart_and_a_torn_last_line() {
        let path = temp_path("torn");
        let _ = fs::remove_file(&path);
        session(3, &path, &["one", "two"]).await;
        let mut file = OpenOptions::new().append(true).open(&path).expect("append");
        file.write_all(b"bob: torn without newl").expect("write");
        drop(file);
        assert_eq!(
            session(3, &path, &["three"]).await,
            ["bob: one", "bob: two"]
        );
        assert_eq!(
            session(3, &path, &[]).await,
            ["bob: one", "bob: two", "bob: three"]
        );
    }

    #[tokio::test]
    async fn file_is_compacted() {
        let path = temp_path("compact");
        let _ = fs::remove_file(&path);
        let texts: Vec<String> = (0..200).map(|i| i.to_string()).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        session(2, &path, &texts).await;
        let lines = fs::read_to_string(&path).expect("read").lines().count();
        assert!(lines <= 65, "{lines} lines in the file");
        assert_eq!(session(2, &path, &[]).await, ["bob: 198", "bob: 199"]);
    }
}
