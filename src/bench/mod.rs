//! `chatty bench`: a load generator for any server that speaks a
//! newline-delimited line protocol (chatty, the Go seed, a peer).
//!
//! Phases: connect (bounded concurrency) -> settle (until the arrival
//! notices stop) -> warmup -> the measured window -> drain. Every phase has
//! a deadline, so a run ends in bounded time whatever the server does.
//!
//! - [`client`]: one connection, reading always and sending if it is a sender.
//! - [`payload`]: the stamped bench line and the scan that finds it.
//! - [`stats`]: the shared counters and per-receiver order tracking.
//! - [`procfs`]: RSS and CPU of the server and of the bench.
//! - [`report`]: the figures, as text or JSON.

mod client;
pub(crate) mod payload;
pub(crate) mod procfs;
pub(crate) mod report;
pub(crate) mod stats;

use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use tokio::task::{JoinHandle, LocalSet};

use client::{Shared, micros};
use procfs::Process;
use report::{Memory, Report};
use stats::Window;

/// How often the bench looks at its counters and the server's memory.
const TICK: Duration = Duration::from_millis(50);
/// How often a progress line goes to stderr.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// Settled: nothing received for this long after connecting.
const SETTLE_QUIET: Duration = Duration::from_millis(300);
/// Draining ends early when nothing arrives for this long.
const DRAIN_QUIET: Duration = Duration::from_secs(1);
/// Slow readers get this long to read their leftovers at the end.
const LEFTOVER_WAIT: Duration = Duration::from_secs(2);

/// What to run (see `chatty bench --help`).
#[derive(Clone, Debug)]
pub struct Plan {
    /// The servers, one or more: connection i goes to `addrs[i % len]`.
    pub addrs: Vec<SocketAddr>,
    pub clients: usize,
    pub name_first: bool,
    /// Clients that send (0 with --idle).
    pub senders: usize,
    /// Lines per second per sender; 0 = as fast as every client receives them.
    pub rate: u32,
    pub in_flight: usize,
    /// With --rate 0: a bound on deliveries out per sender, over every
    /// client, instead of `in_flight`.
    pub outstanding: Option<u64>,
    pub warmup: Duration,
    pub duration: Duration,
    pub payload: usize,
    pub pid: Option<u32>,
    pub idle: bool,
    pub slow_readers: usize,
    pub connect_concurrency: usize,
    pub connect_timeout: Duration,
    pub settle_timeout: Duration,
    pub drain: Duration,
    pub stall: Duration,
}

impl Plan {
    /// The server of client `index`; slow reader `k` is connection
    /// `clients + k`, so the round robin goes on after the clients.
    pub fn addr(&self, connection: usize) -> SocketAddr {
        self.addrs[connection % self.addrs.len()]
    }

    /// How many connections (clients, then slow readers) each server of
    /// `addrs` gets.
    pub fn per_server(&self) -> Vec<usize> {
        let servers = self.addrs.len();
        let total = self.clients + self.slow_readers;
        (0..servers)
            .map(|k| total / servers + usize::from(k < total % servers))
            .collect()
    }
}

/// Reads one server of `--addr` (a list is split at commas first).
pub fn parse_server(text: &str) -> Result<SocketAddr, String> {
    match text.trim() {
        "" => Err("an empty entry; write HOST:PORT[,HOST:PORT...]".to_owned()),
        entry => crate::cli::parse_addr(entry),
    }
}

/// Runs the bench and prints its report on stdout (text or JSON).
/// Fails with a one-line reason when it cannot connect or the server
/// stops answering (the partial report is printed first).
pub fn run(plan: Plan, json: bool) -> anyhow::Result<()> {
    if plan.addrs.is_empty() {
        bail!("no server to load: give --addr HOST:PORT[,HOST:PORT...]");
    }
    if let Some(pid) = plan.pid
        && Process::Pid(pid).rss().is_none()
    {
        bail!("no process {pid} to measure: --pid takes the server's process id");
    }
    // More connections than the default limit of 1024 need more files.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the bench runtime")?;
    let report = LocalSet::new().block_on(&runtime, drive(plan))?;
    if json {
        println!("{}", report.json());
    } else {
        print!("{}", report.text());
    }
    match &report.error {
        Some(error) => bail!("{error}"),
        None => Ok(()),
    }
}

/// A random-enough id that tells this run's lines from any other's.
fn run_id() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    nanos ^ std::process::id().rotate_left(16)
}

async fn drive(plan: Plan) -> anyhow::Result<Report> {
    let shared = Rc::new(Shared::new(plan.clone(), run_id()));
    let server = plan.pid.map(Process::Pid);
    let mut memory = Memory {
        before: server.and_then(Process::rss),
        ..Memory::default()
    };
    let _stop_all = shared.finish.clone().drop_guard();
    for index in 0..plan.clients {
        tokio::task::spawn_local(client::client(shared.clone(), index));
    }
    let slow: Vec<JoinHandle<()>> = (0..plan.slow_readers)
        .map(|index| tokio::task::spawn_local(client::slow_reader(shared.clone(), index)))
        .collect();
    let mut progress = Progress::new(&shared);
    let connect = connect_phase(&shared, &mut progress).await?;
    let settle = settle_phase(&shared, &mut progress).await;
    memory.connected = server.and_then(Process::rss);
    let receivers = shared.stats.borrow().connected as u64;
    let mut watch = Watch {
        shared: &shared,
        progress,
        server,
        rss_max: None,
        error: None,
    };
    let window = send_phase(&mut watch).await;
    memory.window_max = watch.rss_max;
    if !plan.idle {
        shared.stop_sending.cancel();
        drain_phase(&shared, receivers).await;
    }
    shared.finish.cancel();
    for reader in slow {
        let _ = tokio::time::timeout(LEFTOVER_WAIT, reader).await;
    }
    memory.end = server.and_then(Process::rss);
    let stats = shared.stats.borrow();
    Ok(Report::new(
        &plan,
        &stats,
        connect,
        settle,
        window,
        memory,
        receivers,
        watch.error,
    ))
}

/// Waits until every client is connected; fails on the first connection
/// error or when the connect timeout passes.
async fn connect_phase(shared: &Shared, progress: &mut Progress) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let total = shared.plan.clients + shared.plan.slow_readers;
    loop {
        let (connected, error) = {
            let stats = shared.stats.borrow();
            (
                stats.connected + stats.slow_connected,
                stats.connect_error.clone(),
            )
        };
        if let Some(error) = error {
            bail!("{error} ({connected} of {total} connected)");
        }
        if connected == total {
            return Ok(started.elapsed());
        }
        if started.elapsed() > shared.plan.connect_timeout {
            bail!(
                "only {connected} of {total} connections opened within {:?}: the server stopped accepting",
                shared.plan.connect_timeout
            );
        }
        progress.show(shared, &format!("connecting {connected}/{total}"));
        tokio::time::sleep(TICK).await;
    }
}

/// How long the arrival notices went on after the last connection, and
/// whether they stopped within the settle timeout.
#[derive(Clone, Copy, Debug)]
pub struct Settle {
    pub time: Duration,
    pub settled: bool,
}

async fn settle_phase(shared: &Shared, progress: &mut Progress) -> Settle {
    let connected_us = shared.now_us();
    let started = Instant::now();
    let quiet = micros(SETTLE_QUIET);
    loop {
        let now = shared.now_us();
        let last_rx = shared.stats.borrow().last_rx_us.max(connected_us);
        let time = Duration::from_micros(last_rx - connected_us);
        if now - last_rx >= quiet {
            return Settle {
                time,
                settled: true,
            };
        }
        if started.elapsed() > shared.plan.settle_timeout {
            return Settle {
                time,
                settled: false,
            };
        }
        progress.show(shared, "settling");
        tokio::time::sleep(TICK).await;
    }
}

/// The window as it was measured: its length and the CPU used in it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Measured {
    pub seconds: f64,
    pub server_cpu: Option<f64>,
    pub bench_cpu: Option<f64>,
}

/// Follows a phase: progress, the server's memory, and stall detection.
struct Watch<'a> {
    shared: &'a Shared,
    progress: Progress,
    server: Option<Process>,
    rss_max: Option<u64>,
    /// Why the run ended early, if it did.
    error: Option<String>,
}

impl Watch<'_> {
    /// Ticks until `until`; false (with `error` set) if the server stalls.
    async fn until(&mut self, until: Instant, phase: &str, sample: bool) -> bool {
        while Instant::now() < until {
            tokio::time::sleep(TICK.min(until - Instant::now())).await;
            if sample && let Some(rss) = self.server.and_then(Process::rss) {
                self.rss_max = Some(self.rss_max.map_or(rss, |max| max.max(rss)));
            }
            self.progress.show(self.shared, phase);
            if let Some(error) = self.stalled() {
                self.error = Some(error);
                return false;
            }
        }
        true
    }

    fn stalled(&self) -> Option<String> {
        let shared = self.shared;
        let stats = shared.stats.borrow();
        let outstanding = stats.delivered < stats.sent * stats.connected as u64;
        let since = stats.last_delivery_us.max(
            shared
                .window
                .get()
                .start
                .saturating_sub(micros(shared.plan.warmup)),
        );
        let quiet = shared.now_us().saturating_sub(since);
        (stats.sent > 0 && outstanding && quiet > micros(shared.plan.stall)).then(|| {
            format!(
                "the server stopped answering: no bench line arrived for {:?} while lines were outstanding",
                shared.plan.stall
            )
        })
    }
}

/// Warmup then the window (with --idle: just the window, nobody sends).
async fn send_phase(watch: &mut Watch<'_>) -> Measured {
    let shared = watch.shared;
    let plan = &shared.plan;
    let go_us = shared.now_us();
    let start_us = go_us + micros(plan.warmup);
    let end_us = start_us + micros(plan.duration);
    let last_third = end_us - micros(plan.duration) / 3;
    shared.window.set(Window {
        start: start_us,
        end: end_us,
        last_third,
    });
    let receivers = shared.stats.borrow().connected;
    shared.stats.borrow_mut().progress.set_receivers(receivers);
    shared.go.cancel();
    let window_start = Instant::now() + plan.warmup;
    if !watch.until(window_start, "warmup", false).await {
        return Measured::default();
    }
    let cpu_before = (
        watch.server.and_then(Process::cpu_seconds),
        Process::Me.cpu_seconds(),
    );
    let started = Instant::now();
    let phase = if plan.idle { "holding" } else { "window" };
    watch.until(window_start + plan.duration, phase, true).await;
    let seconds = started.elapsed().as_secs_f64();
    let server_cpu = watch
        .server
        .and_then(Process::cpu_seconds)
        .zip(cpu_before.0);
    let bench_cpu = Process::Me.cpu_seconds().zip(cpu_before.1);
    Measured {
        seconds,
        server_cpu: server_cpu.map(|(after, before)| (after - before) / seconds),
        bench_cpu: bench_cpu.map(|(after, before)| (after - before) / seconds),
    }
}

/// Waits for the lines still on their way, bounded by --drain.
async fn drain_phase(shared: &Shared, receivers: u64) {
    let deadline = Instant::now() + shared.plan.drain;
    let started_us = shared.now_us();
    while Instant::now() < deadline {
        tokio::time::sleep(TICK).await;
        let stats = shared.stats.borrow();
        let quiet = shared.now_us() - stats.last_delivery_us.max(started_us);
        if stats.delivered >= stats.sent * receivers || quiet > micros(DRAIN_QUIET) {
            return;
        }
    }
}

/// The progress line on stderr, once a second.
struct Progress {
    last: Instant,
    last_delivered: u64,
    last_sent: u64,
    last_lines: u64,
}

impl Progress {
    fn new(shared: &Shared) -> Progress {
        let stats = shared.stats.borrow();
        Progress {
            last: Instant::now(),
            last_delivered: stats.delivered,
            last_sent: stats.sent,
            last_lines: stats.lines,
        }
    }

    fn show(&mut self, shared: &Shared, phase: &str) {
        let elapsed = self.last.elapsed();
        if elapsed < PROGRESS_EVERY {
            return;
        }
        let stats = shared.stats.borrow();
        let seconds = elapsed.as_secs_f64();
        let delivered = (stats.delivered - self.last_delivered) as f64 / seconds;
        let sent = (stats.sent - self.last_sent) as f64 / seconds;
        let lines = (stats.lines - self.last_lines) as f64 / seconds;
        eprintln!(
            "bench: {phase:<10} clients {:>6}  sent {:>9}/s  delivered {:>11}/s  all lines {:>11}/s  skipped {}  errors {}  EOFs {}",
            stats.connected + stats.slow_connected,
            report::thousands(sent),
            report::thousands(delivered),
            report::thousands(lines),
            stats.skipped_lines,
            stats.errors,
            stats.eofs,
        );
        self.last = Instant::now();
        self.last_delivered = stats.delivered;
        self.last_sent = stats.sent;
        self.last_lines = stats.lines;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser as _;

    fn plan(args: &[&str]) -> Result<Plan, clap::Error> {
        let argv = ["chatty", "bench"].iter().chain(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Bench(args) => Ok(args.plan()),
            _ => panic!("bench"),
        }
    }

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("address")
    }

    #[test]
    fn one_address_as_before() {
        assert_eq!(plan(&[]).expect("default").addrs, [addr("127.0.0.1:8000")]);
        let one = plan(&["--addr", "127.0.0.1:9000"]).expect("one");
        assert_eq!(one.addrs, [addr("127.0.0.1:9000")]);
        assert_eq!((one.addr(0), one.addr(99)), (one.addrs[0], one.addrs[0]));
        assert_eq!(one.per_server(), [100]);
    }

    #[test]
    fn a_list_of_servers_round_robin() {
        let args = [
            "--addr",
            "127.0.0.1:1, 127.0.0.1:2,[::1]:3",
            "--clients",
            "10",
        ];
        let three = plan(&args).expect("three");
        let [a, b, c] = [addr("127.0.0.1:1"), addr("127.0.0.1:2"), addr("[::1]:3")];
        assert_eq!(three.addrs, [a, b, c]);
        let order: Vec<_> = (0..5).map(|i| three.addr(i)).collect();
        assert_eq!(order, [a, b, c, a, b]);
        assert_eq!(three.per_server(), [4, 3, 3]);
        let slow = plan(&[&args[..], &["--slow-reader", "2"]].concat()).expect("slow");
        assert_eq!(slow.addr(10), b, "the slow readers go on after the clients");
        assert_eq!(slow.per_server(), [4, 4, 4]);
        let repeated = plan(&["--addr", "127.0.0.1:1", "--addr", "127.0.0.1:2"]);
        assert_eq!(repeated.expect("repeated").addrs, [a, b]);
    }

    #[test]
    fn a_bad_entry_is_refused_by_name() {
        for (list, wanted) in [
            ("127.0.0.1:1,nonsense", "'nonsense'"),
            ("127.0.0.1:1,,127.0.0.1:2", "empty entry"),
            ("127.0.0.1:1,", "empty entry"),
            ("127.0.0.1:99999", "HOST:PORT"),
        ] {
            let err = plan(&["--addr", list]).expect_err(list).to_string();
            assert!(
                err.contains("--addr") && err.contains(wanted),
                "{list}: {err}"
            );
        }
    }
}
