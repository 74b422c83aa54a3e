//! The room's history: the last `--history` messages and actions, replayed
//! to each newcomer, optionally kept in a file across restarts.
//!
//! The file is plain wire text, one line each, appended as the room talks.
//! At start it is read back (a torn last line from a crash is ignored, as
//! is any line that is not a message or action) and rewritten compactly;
//! while running it is rewritten whenever it holds twice the lines kept.
//! The disk is written by a blocking task of its own, fed through a bounded
//! queue, so a slow disk never stalls the room; if that queue is full the
//! line is kept in memory but not in the file, and a warning is logged.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use anyhow::Context;
use tokio_util::task::TaskTracker;

use crate::protocol::ServerLine;

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
        for line in read_lines(path)? {
            history.remember(line);
        }
        let file = rewrite(path, &wire_lines(&history.lines))
            .with_context(|| format!("cannot write history file {}", path.display()))?;
        let (writes, queue) = sync_channel(FILE_QUEUE);
        let path = path.to_owned();
        tracker.spawn_blocking(move || write_file(path, file, queue));
        history.file = Some(HistoryFile {
            writes,
            lines_in_file: history.lines.len(),
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

/// The room lines of the file; a missing file is an empty history.
fn read_lines(path: &Path) -> anyhow::Result<Vec<ServerLine>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => {
            return Err(err)
                .with_context(|| format!("cannot read history file {}", path.display()));
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    // Only lines ended by '\n' are whole: a crash may have torn the last.
    let whole = text.rfind('\n').map_or("", |end| &text[..end]);
    Ok(whole
        .split('\n')
        .map(ServerLine::parse)
        .filter(ServerLine::is_room_talk)
        .collect())
}

/// Replaces the file with `lines` (write to a temporary file, then rename)
/// and returns it opened for appending.
fn rewrite(path: &Path, lines: &[String]) -> io::Result<File> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    fs::write(&temporary, text)?;
    fs::rename(&temporary, path)?;
    OpenOptions::new().append(true).open(path)
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

    /// A history file in a fresh directory that is removed on drop.
    struct TempPath {
        _dir: tempfile::TempDir,
        path: PathBuf,
    }

    impl std::ops::Deref for TempPath {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.path
        }
    }

    impl AsRef<Path> for TempPath {
        fn as_ref(&self) -> &Path {
            &self.path
        }
    }

    fn temp_path(name: &str) -> TempPath {
        let dir = tempfile::Builder::new()
            .prefix(&format!("chatty-history-{name}-"))
            .tempdir()
            .expect("temp dir");
        let path = dir.path().join("history.txt");
        TempPath { _dir: dir, path }
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
