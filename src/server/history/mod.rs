//! The room's history: the last `--history` messages and actions, replayed
//! to each newcomer, optionally kept in a file across restarts. It also
//! keeps the room's numbering: its epoch and the seq of the last room
//! line, so with a file both continue across a restart.
//!
//! The file is plain tagged wire text, one line each, appended as the room
//! talks: `@seq=N;time=T alice: hi` for talk, a bare `@seq=N` for any other
//! room line (its text stays out of the file), and a first line
//! `@epoch=E;seq=N`. At start it is read back as a stream, keeping only
//! the last lines (a torn last line from a crash is ignored, as is any line
//! that is not one of those, and text is sanitized as client input is; a
//! file from before numbering is numbered afresh under a new epoch), then
//! rewritten compactly; while running it is rewritten whenever it holds
//! twice the lines kept. A rewrite that fails (a full disk) leaves the old
//! file in place, appended to, and is tried again later. The copy is
//! synced before it replaces the file, so a power loss cannot empty it.
//! The disk is written by a blocking task of its own, fed through a bounded
//! queue, so a slow disk never stalls the room; if that queue is full the
//! line is kept in memory but not in the file, and a warning is logged.

mod disk;

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use anyhow::Context;
use tokio_util::task::TaskTracker;

use super::room::token::random_epoch;
use crate::protocol::tags::is_tag_value;
use crate::protocol::{Seq, ServerLine, Stamp, Tagged, Tags, Timestamp};
use disk::{append_to, clean, load, rewrite};

/// The last room lines, in order, with the room's numbering.
#[derive(Debug)]
pub struct History {
    lines: VecDeque<(Stamp, ServerLine)>,
    capacity: usize,
    epoch: String,
    /// The seq of the last room line (talk or not).
    head: Seq,
    file: Option<HistoryFile>,
}

/// Longest epoch read back from a file (the room writes 16 hex digits).
const MAX_EPOCH_CHARS: usize = 64;
/// Highest seq read back from a file: far beyond any room's life, and far
/// from where counting on would overflow.
const MAX_LOADED_SEQ: Seq = 1 << 53;

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
    /// A history kept in memory only: a new epoch, counting from 1.
    pub fn in_memory(capacity: usize) -> History {
        History::numbered(capacity, random_epoch())
    }

    /// A history in memory under a given epoch (a shared log's), from 1.
    pub fn numbered(capacity: usize, epoch: String) -> History {
        History {
            lines: VecDeque::new(),
            capacity,
            epoch,
            head: 0,
            file: None,
        }
    }

    /// How many lines of talk it keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// A history loaded from and kept in `path` (created when missing);
    /// its writer task is tracked by `tracker` so it finishes before the
    /// server returns.
    pub fn open(capacity: usize, path: &Path, tracker: &TaskTracker) -> anyhow::Result<History> {
        let mut history = History::in_memory(capacity);
        let mut loaded = Loaded::new(capacity);
        let lines_in_file = load(path, |line| loaded.add(line))
            .with_context(|| format!("cannot read history file {}", path.display()))?;
        loaded.number_afresh_if_old();
        if let Some(epoch) = loaded.epoch {
            history.epoch = epoch;
        }
        history.head = loaded.head;
        history.lines = loaded.talk;
        let lines = history.file_lines();
        let (file, lines_in_file) = match rewrite(path, &lines) {
            Ok(file) => (file, lines.len()),
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

    /// The room's epoch.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The seq of the last room line recorded or passed.
    pub fn head(&self) -> Seq {
        self.head
    }

    /// Keeps a room line (messages and actions only; any other line
    /// only moves the numbering on).
    pub fn record(&mut self, stamp: Stamp, line: &ServerLine) {
        if !line.is_room_talk() {
            return self.advance(stamp);
        }
        self.head = self.head.max(stamp.seq);
        if self.capacity == 0 {
            return self.append(|| format!("@seq={}", stamp.seq));
        }
        self.remember((stamp, line.clone()));
        self.append(|| tagged(stamp, line));
    }

    /// Notes a room line that is not kept (an arrival, a private line).
    pub fn advance(&mut self, stamp: Stamp) {
        self.head = self.head.max(stamp.seq);
        self.append(|| format!("@seq={}", stamp.seq));
    }

    /// The lines a newcomer gets, oldest first.
    pub fn lines(
        &self,
    ) -> impl DoubleEndedIterator<Item = &(Stamp, ServerLine)> + ExactSizeIterator {
        self.lines.iter()
    }

    /// Queues the append of `line()` (rendered only with a file), or a
    /// compacting rewrite once the file holds twice what is kept.
    fn append(&mut self, line: impl FnOnce() -> String) {
        let Some(file) = &self.file else { return };
        let compact = file.lines_in_file >= self.capacity.saturating_mul(2).max(64);
        let (write, lines_in_file) = if compact {
            let lines = self.file_lines();
            let count = lines.len();
            (FileWrite::Rewrite(lines), count)
        } else {
            (FileWrite::Append(line()), file.lines_in_file + 1)
        };
        if let Some(file) = &mut self.file {
            file.lines_in_file = lines_in_file;
            file.queue(write);
        }
    }

    /// The whole file: the numbering, then the kept lines.
    fn file_lines(&self) -> Vec<String> {
        let mut lines = vec![mark(&self.epoch, self.head)];
        lines.extend(self.lines.iter().map(|(stamp, line)| tagged(*stamp, line)));
        lines
    }

    fn remember(&mut self, line: (Stamp, ServerLine)) {
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
    /// Queues a write for the file's task, without waiting.
    fn queue(&mut self, write: FileWrite) {
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

/// `@epoch=E;seq=N`: the numbering, first in the file.
fn mark(epoch: &str, head: Seq) -> String {
    let tags = Tags {
        epoch: Some(epoch.to_owned()),
        seq: Some(head),
        ..Tags::default()
    };
    tags.to_string()
}

/// A kept line as the file holds it.
fn tagged(stamp: Stamp, line: &ServerLine) -> String {
    let line = line.clone();
    Tagged {
        tags: stamp.tags(),
        line,
    }
    .to_string()
}

/// What a history file holds, read line by line: its numbering and its
/// last `capacity` lines of talk.
#[derive(Debug)]
struct Loaded {
    /// `None`: a new file, or one from before numbering.
    epoch: Option<String>,
    head: Seq,
    talk: VecDeque<(Stamp, ServerLine)>,
    capacity: usize,
    /// Lines of talk read, kept or not (to number an old file).
    talk_read: Seq,
}

impl Loaded {
    fn new(capacity: usize) -> Loaded {
        Loaded {
            epoch: None,
            head: 0,
            talk: VecDeque::new(),
            capacity,
            talk_read: 0,
        }
    }

    fn add(&mut self, line: &str) {
        let Tagged { tags, line } = match line.strip_prefix('@') {
            // A mark: tags and no line.
            Some(block) if !block.contains(' ') => Tagged {
                tags: Tags::parse(block),
                line: ServerLine::Unknown(String::new()),
            },
            _ => Tagged::parse(line),
        };
        let epoch = tags
            .epoch
            .filter(|e| e.len() <= MAX_EPOCH_CHARS && is_tag_value(e));
        if let Some(epoch) = epoch {
            self.epoch = Some(epoch);
        }
        let talk = clean(line);
        // A seq no room could reach is a damaged line, not a number to
        // count on from.
        let seq = tags.seq.filter(|seq| *seq <= MAX_LOADED_SEQ);
        let seq = match (seq, &talk) {
            (Some(seq), _) => seq,
            // Talk from before numbering: numbered afresh at the end.
            (None, Some(_)) => 0,
            (None, None) => return,
        };
        self.head = self.head.max(seq);
        let Some(talk) = talk else { return };
        self.talk_read += 1;
        if self.capacity == 0 {
            return;
        }
        if self.talk.len() == self.capacity {
            self.talk.pop_front();
        }
        let time = tags.time.unwrap_or_else(Timestamp::now);
        self.talk.push_back((Stamp { seq, time }, talk));
    }

    /// A file without an epoch is numbered afresh: a seq means something
    /// only with its epoch.
    fn number_afresh_if_old(&mut self) {
        if self.epoch.is_some() {
            return;
        }
        self.head = self.talk_read;
        let first = self.talk_read - self.talk.len() as Seq + 1;
        for (seq, (stamp, _)) in (first..).zip(self.talk.iter_mut()) {
            stamp.seq = seq;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs::{self, OpenOptions};

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
        history.lines().map(|(_, line)| line.to_string()).collect()
    }

    /// Records `line` as the room's next one.
    fn record(history: &mut History, line: &ServerLine) {
        let stamp = Stamp {
            seq: history.head() + 1,
            time: Timestamp(1_000),
        };
        history.record(stamp, line);
    }

    #[test]
    fn keeps_only_the_last_lines_of_talk() {
        let mut history = History::in_memory(2);
        record(&mut history, &say("one"));
        record(&mut history, &ServerLine::notice("pong"));
        record(&mut history, &say("two"));
        record(&mut history, &say("three"));
        assert_eq!(texts(&history), ["bob: two", "bob: three"]);
        assert_eq!(history.head(), 4);
        let seqs: Vec<Seq> = history.lines().map(|(stamp, _)| stamp.seq).collect();
        assert_eq!(seqs, [3, 4]);
    }

    #[test]
    fn zero_keeps_nothing() {
        let mut history = History::in_memory(0);
        record(&mut history, &say("one"));
        assert_eq!(history.lines().len(), 0);
        assert_eq!(history.head(), 1);
    }

    /// Opens the file, records `texts`, and waits until they are written.
    async fn session(capacity: usize, path: &Path, said: &[&str]) -> Vec<String> {
        let tracker = TaskTracker::new();
        let mut history = History::open(capacity, path, &tracker).expect("open");
        let kept = texts(&history);
        for text in said {
            record(&mut history, &say(text));
        }
        drop(history);
        tracker.close();
        tracker.wait().await;
        kept
    }

    #[tokio::test]
    async fn survives_a_restart_and_a_torn_last_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("history.txt");
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
    async fn epoch_and_seq_continue_across_a_restart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("history.txt");
        let tracker = TaskTracker::new();
        let mut history = History::open(3, &path, &tracker).expect("open");
        let epoch = history.epoch().to_owned();
        record(&mut history, &say("one"));
        record(
            &mut history,
            &ServerLine::Arrived(Name::parse("carol").expect("name")),
        );
        drop(history);
        tracker.close();
        tracker.wait().await;
        let text = fs::read_to_string(&path).expect("read");
        assert_eq!(
            text,
            format!(
                "@epoch={epoch};seq=0\n@seq=1;time=1970-01-01T00:00:01.000Z bob: one\n@seq=2\n"
            )
        );
        let history = History::open(3, &path, &TaskTracker::new()).expect("reopen");
        assert_eq!((history.epoch(), history.head()), (epoch.as_str(), 2));
        let kept: Vec<Seq> = history.lines().map(|(stamp, _)| stamp.seq).collect();
        assert_eq!(kept, [1]);
        let fresh = History::in_memory(3);
        assert_ne!(fresh.epoch(), epoch, "without the file, a new epoch");
        assert_eq!(fresh.head(), 0);
    }

    #[tokio::test]
    async fn damaged_numbering_is_not_counted_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("history.txt");
        let huge = format!("@epoch={};seq=18446744073709551615\n", "e".repeat(100));
        fs::write(
            &path,
            format!("@epoch=ab;seq=7\n{huge}@seq=99999999999999999999\n"),
        )
        .expect("write");
        let history = History::open(3, &path, &TaskTracker::new()).expect("open");
        assert_eq!((history.epoch(), history.head()), ("ab", 7));
    }

    #[tokio::test]
    async fn a_file_from_before_numbering_starts_a_new_epoch() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("history.txt");
        fs::write(&path, "bob: one\n-- carol has arrived\n* bob waves\n").expect("write");
        let history = History::open(3, &path, &TaskTracker::new()).expect("open");
        let kept: Vec<Seq> = history.lines().map(|(stamp, _)| stamp.seq).collect();
        assert_eq!((kept, history.head()), (vec![1, 2], 2));
        assert_eq!(texts(&history), ["bob: one", "* bob waves"]);
    }

    #[tokio::test]
    async fn file_is_compacted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("history.txt");
        let texts: Vec<String> = (0..200).map(|i| i.to_string()).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        session(2, &path, &texts).await;
        let lines = fs::read_to_string(&path).expect("read").lines().count();
        assert!(lines <= 65, "{lines} lines in the file");
        assert_eq!(session(2, &path, &[]).await, ["bob: 198", "bob: 199"]);
    }
}
