//! The bans file (`--bans-file PATH`): the bans in force, one per line,
//! tab-separated: target, expiry (RFC 3339, empty for none), the name an
//! address ban came with, the operator, the reason. Rewritten whole after
//! every change by a task of its own (the room never waits on the disk):
//! a temporary file beside it is written and synced, then renamed over
//! it, so a crash mid-write leaves the old file or the new, never half.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, anyhow, bail};
use tokio::sync::watch;
use tokio_util::task::TaskTracker;

use super::bans::{Ban, BanTarget, MAX_BANS};
use crate::protocol::{Name, Timestamp, sanitize_reason};

const HEADER: &str = "# chatty bans: target, expires, with name, by, reason (tab-separated)";

/// Reads the bans in force at `now`; a missing file holds none (if its
/// directory is there to write it in), a bad line is an error naming it.
pub fn load(path: &Path, now: Timestamp) -> anyhow::Result<Vec<Ban>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            // A ban would be lost when the file is first written.
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            if let Some(dir) = dir.filter(|d| !d.is_dir()) {
                anyhow::bail!(
                    "the bans file {} cannot be written: {} is not a directory",
                    path.display(),
                    dir.display()
                );
            }
            return Ok(Vec::new());
        }
        Err(err) => {
            return Err(err)
                .with_context(|| format!("cannot read the bans file {}", path.display()));
        }
    };
    parse(&text, now).with_context(|| format!("bans file {}", path.display()))
}

fn parse(text: &str, now: Timestamp) -> anyhow::Result<Vec<Ban>> {
    let mut bans = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let ban = parse_line(line).with_context(|| format!("line {}", index + 1))?;
        if bans.len() >= MAX_BANS {
            bail!("line {}: more than {MAX_BANS} bans", index + 1);
        }
        if ban.is_active(now) {
            bans.push(ban);
        }
    }
    Ok(bans)
}

fn parse_line(line: &str) -> anyhow::Result<Ban> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [target, until, via, by, reason] = fields[..] else {
        bail!("expected 5 tab-separated fields, found {}", fields.len());
    };
    let target = BanTarget::parse(target).ok_or_else(|| anyhow!("bad target {target:?}"))?;
    let until = match until {
        "" => None,
        text => Some(Timestamp::parse(text).ok_or_else(|| anyhow!("bad expiry {text:?}"))?),
    };
    let via = match via {
        "" => None,
        text => Some(Name::parse(text).map_err(|err| anyhow!("bad name {text:?}: {err}"))?),
    };
    let reason = Some(sanitize_reason(reason)).filter(|r| !r.is_empty());
    let by = by.to_owned();
    Ok(Ban {
        target,
        until,
        reason,
        by,
        via,
    })
}

fn render(bans: &[Ban]) -> String {
    let mut text = format!("{HEADER}\n");
    for ban in bans {
        let until = ban.until.map(|t| t.to_string()).unwrap_or_default();
        let via = ban.via.as_ref().map(Name::as_str).unwrap_or_default();
        let reason = ban.reason.as_deref().unwrap_or_default();
        let by = ban.by.replace(char::is_whitespace, "_");
        text.push_str(&format!("{}\t{until}\t{via}\t{by}\t{reason}\n", ban.target));
    }
    text
}

/// Writes the file safely: temporary file, sync, rename, sync the folder.
pub fn save(path: &Path, bans: &[Ban]) -> io::Result<()> {
    let temporary = temporary_path(path);
    let mut file = File::create(&temporary)?;
    file.write_all(render(bans).as_bytes())?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, path)?;
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    File::open(folder.unwrap_or(Path::new(".")))?.sync_all()
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".tmp");
    path.with_file_name(name)
}

/// What the room hands the writer: the bans in force after a change.
#[derive(Clone, Debug, Default)]
struct Snapshot {
    generation: u64,
    bans: Arc<Vec<Ban>>,
}

/// The room's end of the writer task: publishing never waits; the task
/// writes the newest snapshot (skipping any it had no time for) and the
/// last one before it ends, once the room drops this.
#[derive(Debug)]
pub struct BansWriter {
    latest: watch::Sender<Snapshot>,
}

impl BansWriter {
    /// Starts the writer task for `path`; `generation` is what the file
    /// holds now.
    pub fn start(path: PathBuf, generation: u64, tracker: &TaskTracker) -> BansWriter {
        let (latest, snapshots) = watch::channel(Snapshot {
            generation,
            bans: Arc::default(),
        });
        tracker.spawn(write_changes(path, snapshots));
        BansWriter { latest }
    }

    /// Asks for the file to hold `bans` (change number `generation`).
    pub fn publish(&self, generation: u64, bans: Vec<Ban>) {
        let bans = Arc::new(bans);
        self.latest.send_replace(Snapshot { generation, bans });
    }
}

async fn write_changes(path: PathBuf, mut snapshots: watch::Receiver<Snapshot>) {
    let mut written = snapshots.borrow().generation;
    loop {
        let closed = snapshots.changed().await.is_err();
        let snapshot = snapshots.borrow_and_update().clone();
        if snapshot.generation != written {
            written = snapshot.generation;
            let path = path.clone();
            let saved = tokio::task::spawn_blocking(move || save(&path, &snapshot.bans)).await;
            match saved {
                Ok(Ok(())) => {}
                Ok(Err(err)) => tracing::error!("cannot write the bans file: {err}"),
                Err(err) => tracing::error!("the bans file writer failed: {err}"),
            }
        }
        if closed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bans_file_in_a_missing_directory_is_refused_at_start() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fresh = dir.path().join("bans");
        assert!(load(&fresh, Timestamp(0)).expect("no file yet").is_empty());
        let lost = dir.path().join("nowhere").join("bans");
        let err = load(&lost, Timestamp(0)).expect_err("refused");
        assert!(err.to_string().contains("is not a directory"), "{err}");
    }

    fn ban(target: &str, until: Option<i64>, reason: Option<&str>) -> Ban {
        Ban {
            target: BanTarget::parse(target).expect(target),
            until: until.map(Timestamp),
            reason: reason.map(str::to_owned),
            by: "root".into(),
            via: None,
        }
    }

    #[test]
    fn bans_survive_a_save_and_load_and_expired_ones_are_dropped() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("bans");
        let mut address = ban("203.0.113.7", None, Some("spam"));
        address.via = Some(Name::parse("troll").expect("name"));
        let bans = vec![
            ban("troll", None, Some("spam links")),
            address,
            ban("10.0.0.0/8", Some(2_000_000_000_000), None),
            ban("gone", Some(1000), None),
        ];
        save(&path, &bans).expect("save");
        assert!(
            !temporary_path(&path).exists(),
            "the temporary file is renamed"
        );
        let loaded = load(&path, Timestamp(5000)).expect("load");
        assert_eq!(loaded, bans[..3]);
    }

    #[test]
    fn a_missing_file_holds_no_bans_and_a_bad_one_names_its_line() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("bans");
        assert_eq!(load(&path, Timestamp(0)).expect("missing"), []);
        fs::write(&path, format!("{HEADER}\ntroll\t\t\troot\t\nbad line\n")).expect("write");
        let err = load(&path, Timestamp(0)).expect_err("bad line");
        assert!(format!("{err:#}").contains("line 3"), "{err:#}");
    }
}
