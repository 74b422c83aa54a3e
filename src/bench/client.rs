//! One bench connection: it reads all the time and, if it is a sender,
//! writes stamped lines on schedule (or as fast as every client receives them).
//!
//! Built to leave the CPU to the server: every client runs on one thread,
//! reads into one shared scratch buffer (only the tail of an unfinished
//! line is kept per connection), splits lines with `memchr`, and waits on
//! socket readiness with `try_read`/`try_write`, so nothing is allocated
//! per line and a blocked write never stops the reading.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::time::sleep_until;
use tokio_util::sync::CancellationToken;

use super::Plan;
use super::payload::{Format, Stamp};
use super::stats::{Progress, Stats, Tracker, Window};

/// The scratch buffer every read goes through.
const SCRATCH_BYTES: usize = 64 * 1024;
/// Reads per wakeup before other clients get their turn.
const READS_PER_WAKE: usize = 8;
/// A partial line longer than this is dropped (not a bench line anyway).
const MAX_CARRY_BYTES: usize = 64 * 1024;
/// Unwritten bytes a sender may hold; beyond it, it stops making lines.
const MAX_PENDING_BYTES: usize = 64 * 1024;
/// Lines a late sender makes at once to catch up with its schedule.
const MAX_CATCH_UP: u64 = 1000;
/// Receive buffer of a client that never reads, so it fills quickly.
const SLOW_RECV_BUFFER: u32 = 4096;

/// What every client shares (all on one thread).
#[derive(Debug)]
pub struct Shared {
    pub plan: Plan,
    pub epoch: Instant,
    pub format: Format,
    /// This run's id, also in the clients' names so that two benches on
    /// one server never ask for the same name.
    pub run: u32,
    pub stats: RefCell<Stats>,
    pub window: Cell<Window>,
    scratch: RefCell<Vec<u8>>,
    connecting: Semaphore,
    /// Senders start.
    pub go: CancellationToken,
    /// Senders stop making lines (they still flush what they hold).
    pub stop_sending: CancellationToken,
    /// Everyone stops.
    pub finish: CancellationToken,
    /// Per sender, with --rate 0: every receiver has seen its oldest line
    /// in flight, so it may send another.
    pub window_open: Vec<Notify>,
}

impl Shared {
    pub fn new(plan: Plan, run: u32) -> Shared {
        let senders = plan.senders;
        let stats = Stats {
            progress: Progress::new(plan.senders, plan.in_flight, plan.outstanding),
            ..Stats::default()
        };
        Shared {
            format: Format::new(run, plan.payload),
            run,
            connecting: Semaphore::new(plan.connect_concurrency),
            plan,
            epoch: Instant::now(),
            stats: RefCell::new(stats),
            window: Cell::new(Window::NOT_YET),
            scratch: RefCell::new(vec![0; SCRATCH_BYTES]),
            go: CancellationToken::new(),
            stop_sending: CancellationToken::new(),
            finish: CancellationToken::new(),
            window_open: std::iter::repeat_with(Notify::new).take(senders).collect(),
        }
    }

    /// Microseconds since the bench started.
    pub fn now_us(&self) -> u64 {
        micros(self.epoch.elapsed())
    }
}

pub fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// Connects client `index`, then reads (and sends) until the bench ends.
pub async fn client(shared: Rc<Shared>, index: usize) {
    let name = format!("b{:x}-{index}", shared.run);
    let addr = shared.plan.addr(index);
    let stream = tokio::select! {
        stream = connect(&shared, addr, &name, None) => stream,
        () = shared.finish.cancelled() => return,
    };
    let stream = match stream {
        Ok(stream) => stream,
        Err(err) => return connect_failed(&shared, addr, err),
    };
    shared.stats.borrow_mut().connected += 1;
    let senders = shared.plan.senders;
    let sender = (index < senders).then(|| Sender::new(index, shared.plan.rate));
    let mut client = Client {
        tracker: Tracker::new(senders),
        shared,
        stream,
        carry: Vec::new(),
        sender,
    };
    if let Err(err) = client.run().await {
        client.shared.stats.borrow_mut().error(err.to_string());
    }
}

/// A client that connects and then never reads, until the end, when it
/// reads what is waiting to see whether the server closed it.
pub async fn slow_reader(shared: Rc<Shared>, index: usize) {
    let name = format!("s{:x}-{index}", shared.run);
    let addr = shared.plan.addr(shared.plan.clients + index);
    let stream = tokio::select! {
        stream = connect(&shared, addr, &name, Some(SLOW_RECV_BUFFER)) => stream,
        () = shared.finish.cancelled() => return,
    };
    let stream = match stream {
        Ok(stream) => stream,
        Err(err) => return connect_failed(&shared, addr, err),
    };
    shared.stats.borrow_mut().slow_connected += 1;
    shared.finish.cancelled().await;
    let (bytes, skipped, closed) = read_leftovers(&stream, &shared.format).await;
    let mut stats = shared.stats.borrow_mut();
    stats.slow.bytes += bytes;
    stats.slow.skipped_notices += skipped;
    stats.slow.disconnected += usize::from(closed);
}

/// Reads what a slow reader left waiting, for at most a second. Returns
/// the bytes, the `messages skipped` notices and whether the server had
/// closed the connection.
async fn read_leftovers(stream: &TcpStream, format: &Format) -> (u64, u64, bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    let mut buffer = vec![0; SCRATCH_BYTES];
    let mut carry = Vec::new();
    let (mut bytes, mut skipped) = (0, 0);
    loop {
        let ready = tokio::time::timeout_at(deadline, stream.readable()).await;
        if !matches!(ready, Ok(Ok(()))) {
            return (bytes, skipped, false);
        }
        match stream.try_read(&mut buffer) {
            Ok(0) => return (bytes, skipped, true),
            Ok(n) => {
                bytes += n as u64;
                carry.extend_from_slice(&buffer[..n]);
                let end = memchr::memrchr(b'\n', &carry).map_or(0, |at| at + 1);
                skipped += carry[..end]
                    .split(|&b| b == b'\n')
                    .filter(|line| matches!(format.scan(line), super::payload::Seen::Skipped(_)))
                    .count() as u64;
                carry.drain(..end);
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => return (bytes, skipped, true),
        }
    }
}

/// Tells a sender that every receiver has seen its oldest line in flight.
fn wake(shared: &Shared, sender: Option<usize>) {
    if let Some(open) = sender.and_then(|id| shared.window_open.get(id)) {
        open.notify_one();
    }
}

fn connect_failed(shared: &Shared, addr: SocketAddr, err: io::Error) {
    let text = match err.kind() {
        io::ErrorKind::ConnectionRefused => {
            format!("connection refused by {addr}: is a server listening there?")
        }
        io::ErrorKind::AddrNotAvailable => {
            format!("cannot connect to {addr}: out of local ports or not a local address ({err})")
        }
        _ if err.raw_os_error() == Some(24) => {
            "out of file descriptors: raise the limit (ulimit -n) or use fewer --clients".to_owned()
        }
        _ => format!("cannot connect to {addr}: {err}"),
    };
    shared.stats.borrow_mut().connect_error.get_or_insert(text);
}

/// Opens one connection to `addr` (at most --connect-concurrency at
/// once) and sends the name line if asked to.
async fn connect(
    shared: &Shared,
    addr: SocketAddr,
    name: &str,
    recv_buffer: Option<u32>,
) -> io::Result<TcpStream> {
    let _permit = shared
        .connecting
        .acquire()
        .await
        .map_err(io::Error::other)?;
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    if let Some(bytes) = recv_buffer {
        socket.set_recv_buffer_size(bytes)?;
    }
    let mut stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    if shared.plan.name_first {
        stream.write_all(format!("{name}\n").as_bytes()).await?;
    }
    Ok(stream)
}

struct Client {
    shared: Rc<Shared>,
    stream: TcpStream,
    /// The start of a line whose end has not arrived yet.
    carry: Vec<u8>,
    tracker: Tracker,
    sender: Option<Sender>,
}

impl Client {
    async fn run(&mut self) -> io::Result<()> {
        let shared = self.shared.clone();
        loop {
            let waiting = self
                .sender
                .as_ref()
                .is_some_and(|s| s.state == State::Waiting);
            let sending = self
                .sender
                .as_ref()
                .is_some_and(|s| s.state == State::Sending);
            let pending = self
                .sender
                .as_ref()
                .is_some_and(|s| s.written < s.out.len());
            let due = self.sender.as_ref().and_then(|s| s.due(shared.plan.rate));
            let unlimited = sending && shared.plan.rate == 0;
            let id = self.sender.as_ref().map_or(0, |s| s.id);
            let window_open = async {
                match shared.window_open.get(id) {
                    Some(open) if unlimited => open.notified().await,
                    _ => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                () = shared.finish.cancelled() => return Ok(()),
                () = shared.go.cancelled(), if waiting => self.start(),
                () = shared.stop_sending.cancelled(), if sending => self.stop(),
                ready = self.stream.readable() => {
                    ready?;
                    if !self.read()? {
                        shared.stats.borrow_mut().eofs += 1;
                        return Ok(());
                    }
                    self.top_up()?;
                }
                ready = self.stream.writable(), if pending => {
                    ready?;
                    self.flush()?;
                }
                () = sleep_until(due.unwrap_or_else(tokio::time::Instant::now)), if due.is_some() => {
                    self.on_schedule()?;
                }
                () = window_open => self.top_up()?,
            }
        }
    }

    fn start(&mut self) {
        if let Some(sender) = &mut self.sender {
            sender.state = State::Sending;
            sender.started = tokio::time::Instant::now();
        }
        // A flush error shows up on the next read or write.
        let _ = self.top_up();
    }

    fn stop(&mut self) {
        if let Some(sender) = &mut self.sender {
            sender.state = State::Done;
        }
    }

    /// Reads what is there; false at end of stream.
    fn read(&mut self) -> io::Result<bool> {
        let shared = self.shared.clone();
        let mut scratch = shared.scratch.borrow_mut();
        for _ in 0..READS_PER_WAKE {
            match self.stream.try_read(&mut scratch[..]) {
                Ok(0) => return Ok(false),
                Ok(n) => self.consume(&scratch[..n]),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(true),
                Err(err) => return Err(err),
            }
        }
        Ok(true)
    }

    /// Counts every complete line in `data`, keeping an unfinished tail.
    fn consume(&mut self, data: &[u8]) {
        let shared = self.shared.clone();
        let now = shared.now_us();
        let window = shared.window.get();
        let mut stats = shared.stats.borrow_mut();
        stats.last_rx_us = now;
        let mut rest = data;
        if !self.carry.is_empty() {
            let Some(end) = memchr::memchr(b'\n', rest) else {
                self.keep(rest, &mut stats);
                return;
            };
            self.carry.extend_from_slice(&rest[..end]);
            let open = self
                .tracker
                .line(&self.carry, now, &shared.format, &window, &mut stats);
            wake(&shared, open);
            self.carry.clear();
            rest = &rest[end + 1..];
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', rest) {
            let open =
                self.tracker
                    .line(&rest[start..end], now, &shared.format, &window, &mut stats);
            wake(&shared, open);
            start = end + 1;
        }
        self.keep(&rest[start..], &mut stats);
    }

    fn keep(&mut self, tail: &[u8], stats: &mut Stats) {
        if self.carry.len() + tail.len() > MAX_CARRY_BYTES {
            self.carry.clear();
            stats.other_lines += 1;
            return;
        }
        self.carry.extend_from_slice(tail);
    }

    /// With --rate 0: sends while the bound (--in-flight lines, or
    /// --outstanding deliveries) leaves room.
    fn top_up(&mut self) -> io::Result<()> {
        let Some(sender) = &mut self.sender else {
            return Ok(());
        };
        if sender.state != State::Sending || self.shared.plan.rate != 0 {
            return Ok(());
        }
        let mut count = 0;
        while self
            .shared
            .stats
            .borrow_mut()
            .progress
            .may_send(sender.id, sender.next_seq - 1)
        {
            if !sender.has_room() {
                break;
            }
            count += 1;
            sender.make_line(&self.shared);
        }
        if count > 0 { self.flush() } else { Ok(()) }
    }

    /// With --rate R: makes every line that is due by now.
    fn on_schedule(&mut self) -> io::Result<()> {
        let Some(sender) = &mut self.sender else {
            return Ok(());
        };
        let rate = self.shared.plan.rate;
        let now = tokio::time::Instant::now();
        let mut made = 0;
        while sender.due(rate).is_some_and(|due| due <= now)
            && made < MAX_CATCH_UP
            && sender.has_room()
        {
            sender.make_line(&self.shared);
            made += 1;
        }
        if sender.due(rate).is_some_and(|due| due <= now) {
            // Too far behind (the server is not reading us): the lines not
            // made count against the achieved rate, not as a burst later.
            sender.skip_to(now, rate);
        }
        self.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        let Some(sender) = &mut self.sender else {
            return Ok(());
        };
        while sender.written < sender.out.len() {
            match self.stream.try_write(&sender.out[sender.written..]) {
                Ok(n) => sender.written += n,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) => return Err(err),
            }
        }
        if sender.written == sender.out.len() {
            sender.out.clear();
            sender.written = 0;
        } else if sender.written > sender.out.len() / 2 {
            sender.out.drain(..sender.written);
            sender.written = 0;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Waiting,
    Sending,
    Done,
}

/// The sending half of a sender client.
struct Sender {
    id: usize,
    state: State,
    started: tokio::time::Instant,
    /// The next line's sequence number (the first is 1).
    next_seq: u64,
    /// Sequence numbers skipped because the sender fell behind schedule.
    behind: u64,
    per_line: Duration,
    out: Vec<u8>,
    written: usize,
}

impl Sender {
    fn new(id: usize, rate: u32) -> Sender {
        Sender {
            id,
            state: State::Waiting,
            started: tokio::time::Instant::now(),
            next_seq: 1,
            behind: 0,
            per_line: Duration::from_secs(1) / rate.max(1),
            out: Vec::new(),
            written: 0,
        }
    }

    /// When the next line is due (with a rate, while sending).
    fn due(&self, rate: u32) -> Option<tokio::time::Instant> {
        if rate == 0 || self.state != State::Sending {
            return None;
        }
        let slot = u32::try_from(self.next_seq - 1 + self.behind).unwrap_or(u32::MAX);
        Some(self.started + self.per_line * slot)
    }

    fn skip_to(&mut self, now: tokio::time::Instant, rate: u32) {
        while self.due(rate).is_some_and(|due| due <= now) {
            self.behind += 1;
        }
    }

    fn has_room(&self) -> bool {
        self.out.len() - self.written < MAX_PENDING_BYTES
    }

    fn make_line(&mut self, shared: &Shared) {
        let sent_us = shared.now_us();
        let stamp = Stamp {
            sender: self.id,
            seq: self.next_seq,
            sent_us,
        };
        shared.format.write(&mut self.out, stamp);
        self.next_seq += 1;
        shared
            .stats
            .borrow_mut()
            .sent(&shared.window.get(), sent_us);
    }
}
