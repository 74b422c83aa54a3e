//! The local log (`--log-dir`): every line shown, with its date and time,
//! appended to one file per local day (`chatty-2026-12-01.log`), as
//! weechat's logger does.
//!
//! A thread of its own writes the files; the loop hands it lines with
//! `try_send` on a bounded queue, so a slow or full disk never stalls the
//! screen. Lines that find the queue full are counted, and the count is
//! written once there is room again.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, SyncSender, TrySendError, channel, sync_channel};
use std::time::Duration;

use anyhow::Context;

use super::app::{Body, Entry};
use super::scrollback::Scrollback;
use super::text;

/// Lines waiting for the writer thread.
const QUEUE_LINES: usize = 4096;
/// How long the exit waits for the last lines to reach the disk.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// One line for the log: the file's day and the line.
struct Record {
    day: String,
    line: String,
}

/// The loop's end of the log.
pub struct LogFile {
    records: SyncSender<Record>,
    /// Signalled by the writer once everything is written.
    done: Receiver<()>,
    /// The id of the next scrollback line to log.
    next: u64,
    dropped: u64,
}

impl LogFile {
    /// Creates `dir` if need be and starts the writer thread.
    pub fn start(dir: &Path) -> anyhow::Result<LogFile> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the log directory {}", dir.display()))?;
        let (records, queue) = sync_channel(QUEUE_LINES);
        let (finished, done) = channel();
        let dir = dir.to_owned();
        std::thread::Builder::new()
            .name("chatty-log".to_owned())
            .spawn(move || write_all(&dir, &queue, &finished))
            .context("cannot start the log writer")?;
        Ok(LogFile {
            records,
            done,
            next: 0,
            dropped: 0,
        })
    }

    /// Hands the lines shown since the last call to the writer.
    pub fn log_new(&mut self, entries: &Scrollback) {
        for entry in entries.since(self.next) {
            if let Some(record) = record(entry) {
                self.offer(record);
            }
        }
        self.next = entries.next_id();
    }

    /// Lets the writer finish, waiting a bounded time for it.
    pub fn close(self) {
        drop(self.records);
        let _ = self.done.recv_timeout(CLOSE_WAIT);
    }

    fn offer(&mut self, record: Record) {
        if self.dropped > 0 {
            let note = Record {
                day: record.day.clone(),
                line: format!("[{} lines not logged: the disk was too slow]", self.dropped),
            };
            if self.records.try_send(note).is_err() {
                self.dropped += 1;
                return;
            }
            self.dropped = 0;
        }
        if let Err(TrySendError::Full(_)) = self.records.try_send(record) {
            self.dropped += 1;
        }
    }
}

fn record(entry: &Entry) -> Option<Record> {
    if matches!(entry.body, Body::Day | Body::ReadMarker { .. }) {
        return None;
    }
    let day = entry.clock.iso_date();
    let line = format!("{day} {} {}", entry.clock, text::plain(entry));
    Some(Record { day, line })
}

/// The writer thread: appends each record to its day's file, flushing
/// whenever the queue runs dry. Stops when the loop's end is dropped or
/// the disk fails.
fn write_all(dir: &Path, queue: &Receiver<Record>, finished: &Sender<()>) {
    let _ = write_queue(dir, queue);
    let _ = finished.send(());
}

fn write_queue(dir: &Path, queue: &Receiver<Record>) -> std::io::Result<()> {
    let mut open: Option<(String, BufWriter<File>)> = None;
    while let Ok(record) = queue.recv() {
        let mut next = Some(record);
        while let Some(record) = next {
            write_one(dir, &mut open, &record)?;
            next = queue.try_recv().ok();
        }
        if let Some((_, file)) = open.as_mut() {
            file.flush()?;
        }
    }
    Ok(())
}

fn write_one(
    dir: &Path,
    open: &mut Option<(String, BufWriter<File>)>,
    record: &Record,
) -> std::io::Result<()> {
    if open.as_ref().is_none_or(|(day, _)| *day != record.day) {
        if let Some((_, mut file)) = open.take() {
            file.flush()?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path(dir, &record.day))?;
        *open = Some((record.day.clone(), BufWriter::new(file)));
    }
    match open.as_mut() {
        Some((_, file)) => writeln!(file, "{}", record.line),
        None => Ok(()),
    }
}

/// The file for `day` (`2026-12-01`).
pub fn path(dir: &Path, day: &str) -> PathBuf {
    dir.join(format!("chatty-{day}.log"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::app::App;
    use crate::client::clock::Clock;
    use crate::protocol::ServerLine;

    #[test]
    fn lines_go_to_the_file_of_their_day() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut log = LogFile::start(dir.path()).expect("starts");
        // 2026-12-01T23:59:00Z, then a minute later, in UTC.
        let mut app = App {
            clock: Clock::from_unix(1_796_169_540, 0),
            ..App::default()
        };
        app.push(Body::Server(ServerLine::parse("bob: late 你好")));
        log.log_new(&app.entries);
        app.clock = Clock::from_unix(1_796_169_600, 0);
        app.push(Body::Server(ServerLine::parse("bob: early")));
        app.note("a note");
        log.log_new(&app.entries);
        log.log_new(&app.entries);
        log.close();
        let read = |day: &str| std::fs::read_to_string(path(dir.path(), day)).expect("written");
        assert_eq!(read("2026-12-01"), "2026-12-01 23:59 bob: late 你好\n");
        assert_eq!(
            read("2026-12-02"),
            "2026-12-02 00:00 bob: early\n2026-12-02 00:00 ~ a note\n"
        );
    }
}
