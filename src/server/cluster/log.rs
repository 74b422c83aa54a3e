//! The room's side of the shared log: events become jobs for the writer;
//! what the engine hands back arrives through [`Room::feed`], except
//! refusals made on the spot (the writer's queue is full).
//!
//! [`Room::feed`]: crate::server::room::Room::feed

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::mpsc;

use crate::protocol::Seq;
use crate::server::room::ConnId;
use crate::server::room::event::{Control, Event, MemberId};
use crate::server::room::log::{Log, LogItem, Refusal};
use crate::server::room::snapshot::Snapshot;

/// Jobs waiting for the writer past which talk is refused on the spot
/// (leaves and operators' actions are always queued: they must land).
const MAX_QUEUED: usize = 65_536;

/// One thing for the writer to order.
#[derive(Debug)]
pub enum Job {
    Append(Append),
    /// A `/ping`: answered with the stream's head once this batch ran.
    Barrier(ConnId),
    /// The room's state, kept beside the stream (which is then trimmed).
    Snapshot(Box<Snapshot>),
}

/// What an append carries: a room event (numbered) or a control entry.
#[derive(Debug)]
pub enum Appended {
    Event(Event),
    Control(Control),
}

impl Appended {
    /// The JSON the stream keeps.
    pub fn payload(&self) -> String {
        let json = match self {
            Appended::Event(event) => serde_json::to_string(event),
            Appended::Control(control) => serde_json::to_string(control),
        };
        json.unwrap_or_default()
    }

    /// What the room is told when it was not ordered.
    pub fn refused(self, why: Refusal) -> LogItem {
        match self {
            Appended::Event(event) => LogItem::Refused { event, why },
            Appended::Control(control) => LogItem::ControlRefused(control),
        }
    }
}

/// An event, with what the append script checks before ordering it.
#[derive(Debug)]
pub struct Append {
    pub entry: Appended,
    /// `j` join, `r` rename, `l` leave, `m` by a member, `o` other,
    /// `x` a control entry.
    pub op: &'static str,
    pub member: MemberId,
    /// The name's skeleton (`j`, `r`), or the other member (`m`).
    pub arg: String,
    /// Kept until it lands, however long the engine is away.
    pub must_land: bool,
}

impl Append {
    pub fn of(event: Event) -> Append {
        let (op, member, arg, must_land) = match &event {
            Event::Joined { member, name } => ("j", *member, skeleton(name), false),
            Event::Renamed { member, new } => ("r", *member, skeleton(new), false),
            Event::Left { member, .. } | Event::Removed { member, .. } => {
                ("l", *member, String::new(), true)
            }
            Event::Said { member, .. }
            | Event::Acted { member, .. }
            | Event::Away { member, .. }
            | Event::Back { member } => ("m", *member, String::new(), false),
            Event::Private { from, to, .. } => ("m", *from, to.to_string(), false),
            Event::Muted { member, .. } | Event::Unmuted { member } => {
                ("m", *member, String::new(), true)
            }
            Event::Banned { .. } | Event::Unbanned { .. } => ("o", 0, String::new(), true),
        };
        Append {
            entry: Appended::Event(event),
            op,
            member,
            arg,
            must_land,
        }
    }

    /// A control entry: unnumbered, unchecked; a token must land (the
    /// fold must know it), a claim may be refused.
    pub fn control(control: Control) -> Append {
        let (member, must_land) = match &control {
            Control::Session { member, .. } => (*member, true),
            Control::Moved { .. } => (0, false),
            Control::Ignoring { member, .. } => (*member, true),
        };
        Append {
            entry: Appended::Control(control),
            op: "x",
            member,
            arg: String::new(),
            must_land,
        }
    }
}

fn skeleton(name: &crate::protocol::Name) -> String {
    name.skeleton().as_str().to_owned()
}

/// The log of a node (see the module doc).
#[derive(Debug)]
pub struct ClusterLog {
    jobs: mpsc::UnboundedSender<Job>,
    /// Jobs sent and not yet taken by the writer.
    queued: Arc<AtomicUsize>,
    refused: VecDeque<LogItem>,
    snapshot_every: u64,
}

/// The writer's end of the job queue.
#[derive(Debug)]
pub struct Jobs {
    pub receiver: mpsc::UnboundedReceiver<Job>,
    pub queued: Arc<AtomicUsize>,
}

impl ClusterLog {
    pub fn new(snapshot_every: u64) -> (ClusterLog, Jobs) {
        let (jobs, receiver) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let log = ClusterLog {
            jobs,
            queued: queued.clone(),
            refused: VecDeque::new(),
            snapshot_every: snapshot_every.max(1),
        };
        (log, Jobs { receiver, queued })
    }

    fn append_job(&mut self, append: Append) {
        let must_land = append.must_land;
        if let Err(Job::Append(append)) = self.send(Job::Append(append), must_land) {
            let refused = append.entry.refused(Refusal::Unavailable);
            self.refused.push_back(refused);
        }
    }

    /// Queues `job` unless the writer is too far behind (or gone).
    fn send(&mut self, job: Job, must_land: bool) -> Result<(), Job> {
        if !must_land && self.queued.load(Ordering::Relaxed) >= MAX_QUEUED {
            return Err(job);
        }
        self.queued.fetch_add(1, Ordering::Relaxed);
        self.jobs
            .send(job)
            .map_err(|mpsc::error::SendError(job)| job)
    }
}

impl Log for ClusterLog {
    fn append(&mut self, event: Event) {
        self.append_job(Append::of(event));
    }

    fn control(&mut self, control: Control) {
        self.append_job(Append::control(control));
    }

    fn barrier(&mut self, conn: ConnId) {
        if self.send(Job::Barrier(conn), false).is_err() {
            self.refused.push_back(LogItem::BarrierRefused { conn });
        }
    }

    fn next(&mut self) -> Option<LogItem> {
        self.refused.pop_front()
    }

    fn snapshot_due(&self, applied: Seq) -> bool {
        applied.is_multiple_of(self.snapshot_every)
    }

    fn keep_snapshot(&mut self, snapshot: Snapshot) {
        // Every node keeps the same one; Redis keeps the first.
        let _ = self.send(Job::Snapshot(Box::new(snapshot)), false);
    }
}
