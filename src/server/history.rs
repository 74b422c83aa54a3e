//! The room's history: the last `--history` messages and actions, replayed
//! to each newcomer, optionally kept in a file across restarts.
//!
//! The file is plain wire text, one line each, appended as the room talks.
//! At start it is read back (a torn last line from a crash is ignored, as
//! is any line that is not a message or action) and rewritten compactly;
//! while running it is rewritten whenever it holds twice the lines kept.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::protocol::ServerLine;

/// The last room lines, in order.
#[derive(Debug, Default)]
pub struct History {
    lines: VecDeque<ServerLine>,
    capacity: usize,
    file: Option<HistoryFile>,
}

#[derive(Debug)]
struct HistoryFile {
    path: PathBuf,
    append: File,
    lines_in_file: usize,
}

impl History {
    /// A history kept in memory only.
    pub fn in_memory(capacity: usize) -> History {
        History {
            capacity,
            ..History::default()
        }
    }

    /// A history loaded from and kept in `path` (created when missing).
    pub fn open(capacity: usize, path: &Path) -> anyhow::Result<History> {
        let mut history = History::in_memory(capacity);
        for line in read_lines(path)? {
            history.remember(line);
        }
        let append = rewrite(path, &history.lines)
            .with_context(|| format!("cannot write history file {}", path.display()))?;
        history.file = Some(HistoryFile {
            path: path.to_owned(),
            append,
            lines_in_file: history.lines.len(),
        });
        Ok(history)
    }

    /// Keeps a room line (messages and actions only).
    pub fn record(&mut self, line: &ServerLine) {
        if self.capacity == 0 || !line.is_room_talk() {
            return;
        }
        self.remember(line.clone());
        if let Some(file) = &mut self.file
            && let Err(err) = file.append(line, &self.lines, self.capacity)
        {
            tracing::warn!(path = %file.path.display(), "history file not updated: {err}");
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
    fn append(
        &mut self,
        line: &ServerLine,
        kept: &VecDeque<ServerLine>,
        capacity: usize,
    ) -> io::Result<()> {
        if self.lines_in_file >= capacity.saturating_mul(2).max(64) {
            self.append = rewrite(&self.path, kept)?;
            self.lines_in_file = kept.len();
            return Ok(());
        }
        self.append.write_all(line.to_bytes().as_ref())?;
        self.lines_in_file += 1;
        Ok(())
    }
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
fn rewrite(path: &Path, lines: &VecDeque<ServerLine>) -> io::Result<File> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut text = String::new();
    for line in lines {
        text.push_str(&line.to_string());
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
    fn zero_keeps_nothing() {
        let mut history = History::in_memory(0);
        history.record(&say("one"));
        assert_eq!(history.lines().len(), 0);
    }

    #[test]
    fn survives_a_restart_and_a_torn_last_line() {
        let path = temp_path("torn");
        let _ = fs::remove_file(&path);
        {
            let mut history = History::open(3, &path).expect("open");
            history.record(&say("one"));
            history.record(&say("two"));
        }
        let mut file = OpenOptions::new().append(true).open(&path).expect("append");
        file.write_all(b"bob: torn without newl").expect("write");
        drop(file);
        let mut history = History::open(3, &path).expect("reopen");
        assert_eq!(texts(&history), ["bob: one", "bob: two"]);
        history.record(&say("three"));
        let reread = History::open(3, &path).expect("third open");
        assert_eq!(texts(&reread), ["bob: one", "bob: two", "bob: three"]);
    }

    #[test]
    fn file_is_compacted() {
        let path = temp_path("compact");
        let _ = fs::remove_file(&path);
        let mut history = History::open(2, &path).expect("open");
        for i in 0..200 {
            history.record(&say(&i.to_string()));
        }
        let lines = fs::read_to_string(&path).expect("read").lines().count();
        assert!(lines <= 65, "{lines} lines in the file");
        let reread = History::open(2, &path).expect("reopen");
        assert_eq!(texts(&reread), ["bob: 198", "bob: 199"]);
    }
}
