//! Command-line flags for every subcommand. Defaults are named consts so
//! `--help`, the README and the server agree.

use std::net::{SocketAddr, ToSocketAddrs};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::bench::Plan;
use crate::server::Config;

pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";

/// `--help` text of a default duration, as the flags read it (`5m`).
fn human(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

// Serve's defaults come from `Config::DEFAULTS`, rendered once for clap.
static LOGIN_TIMEOUT: LazyLock<String> = LazyLock::new(|| human(Config::DEFAULTS.login_timeout));
static IDLE_TIMEOUT: LazyLock<String> = LazyLock::new(|| {
    Config::DEFAULTS
        .idle_timeout
        .map_or_else(|| "0".to_owned(), human)
});
static WRITE_TIMEOUT: LazyLock<String> = LazyLock::new(|| human(Config::DEFAULTS.write_timeout));
static LINGER: LazyLock<String> = LazyLock::new(|| human(Config::DEFAULTS.linger));

/// How long `join` waits for `-- you are` before it takes the server for
/// one that does not speak chatty.
pub const DEFAULT_JOIN_WAIT: &str = "5s";
static RESUME_WINDOW: LazyLock<String> = LazyLock::new(|| {
    Config::DEFAULTS
        .resume_window
        .map_or_else(|| "0".to_owned(), human)
});

pub const DEFAULT_BENCH_CLIENTS: &str = "100";
pub const DEFAULT_BENCH_SENDERS: &str = "10";
pub const DEFAULT_BENCH_RATE: &str = "10";
pub const DEFAULT_BENCH_IN_FLIGHT: &str = "64";
pub const DEFAULT_BENCH_WARMUP: &str = "2s";
pub const DEFAULT_BENCH_DURATION: &str = "10s";
pub const DEFAULT_BENCH_PAYLOAD: &str = "64";
pub const DEFAULT_BENCH_CONNECT_CONCURRENCY: &str = "256";
pub const DEFAULT_BENCH_CONNECT_TIMEOUT: &str = "30s";
pub const DEFAULT_BENCH_SETTLE_TIMEOUT: &str = "30s";
pub const DEFAULT_BENCH_DRAIN: &str = "5s";
pub const DEFAULT_BENCH_STALL: &str = "5s";

/// chatty: a terminal chat room in one binary.
#[derive(Debug, Parser)]
#[command(name = "chatty", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Host the chat room (netcat works as a client: nc 127.0.0.1 8000).
    Serve(ServeArgs),
    /// Load-test a line-protocol chat server (chatty, the Go seed, ...):
    /// throughput, latency, loss, order, memory and CPU.
    Bench(BenchArgs),
    /// Join a room in the terminal client (a full-screen chat window).
    Join(JoinArgs),
    /// Read a password on standard input (not echoed on a terminal) and
    /// print its argon2id hash, for a `NAME HASH` line of --operators.
    Passwd,
}

/// Flags of `chatty join`.
#[derive(Debug, Args)]
pub struct JoinArgs {
    /// Name to join with; if the server refuses it, the client asks for another.
    #[arg(long)]
    pub name: String,
    /// Server address, HOST:PORT.
    #[arg(long, default_value = DEFAULT_ADDR, value_parser = parse_addr)]
    pub addr: SocketAddr,
    /// Ring the terminal bell on a mention or a private message.
    #[arg(long)]
    pub bell: bool,
    /// Time to wait for the server's "-- you are" before treating it as a
    /// server that does not speak chatty and switching to plain mode.
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_JOIN_WAIT, value_parser = parse_positive_duration)]
    pub join_wait: Duration,
}

impl JoinArgs {
    /// The client's options, or why `--name` can never be accepted (a
    /// usage error, found before the terminal is touched).
    pub fn options(&self) -> Result<crate::client::Options, String> {
        let name = crate::protocol::Name::parse(&self.name)
            .map_err(|err| format!("invalid --name: {err}"))?;
        Ok(crate::client::Options {
            addr: self.addr,
            name,
            bell: self.bell,
            join_wait: self.join_wait,
        })
    }
}

/// Flags of `chatty serve`. Durations read like `30s`, `5m`, `1h`; `0`
/// turns the timeout off where that is allowed.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port).
    #[arg(long, default_value = DEFAULT_ADDR, value_parser = parse_addr)]
    pub addr: SocketAddr,

    /// Longest client line in bytes; longer lines are dropped with an error.
    #[arg(long, value_name = "BYTES", default_value_t = Config::DEFAULTS.max_line_bytes, value_parser = parse_count::<1, { 16 << 20 }>)]
    pub max_line_bytes: usize,

    /// Time a new connection has to choose a name.
    #[arg(long, value_name = "DURATION", default_value = LOGIN_TIMEOUT.as_str(), value_parser = parse_positive_duration)]
    pub login_timeout: Duration,

    /// Disconnect a client that sends nothing for this long (0 = never).
    #[arg(long, value_name = "DURATION", default_value = IDLE_TIMEOUT.as_str(), value_parser = parse_duration)]
    pub idle_timeout: Duration,

    /// Disconnect a client whose socket accepts nothing for this long while
    /// lines wait for it.
    #[arg(long, value_name = "DURATION", default_value = WRITE_TIMEOUT.as_str(), value_parser = parse_positive_duration)]
    pub write_timeout: Duration,

    /// Outgoing queue per client, in lines; beyond it lines for that client
    /// are skipped and counted.
    #[arg(long, value_name = "LINES", default_value_t = Config::DEFAULTS.queue_lines, value_parser = parse_count::<1, 1_000_000>)]
    pub queue: usize,

    /// Outgoing queue per client, in bytes (the second bound of --queue).
    #[arg(long, value_name = "BYTES", default_value_t = Config::DEFAULTS.queue_bytes, value_parser = parse_count::<1, { 1 << 30 }>)]
    pub queue_bytes: usize,

    /// Bytes queued for all clients together; past half of it the largest
    /// queues are skipped first, at it every queue.
    #[arg(long, value_name = "BYTES", default_value_t = Config::DEFAULTS.queue_budget, value_parser = parse_count::<1, { 1 << 40 }>)]
    pub queue_budget: usize,

    /// Room lines (messages and actions) replayed to each newcomer (0 = none).
    #[arg(long, value_name = "LINES", default_value_t = Config::DEFAULTS.history, value_parser = parse_count::<0, 100_000>)]
    pub history: usize,

    /// File that keeps the history across restarts (appended to, compacted
    /// at start).
    #[arg(long, value_name = "PATH")]
    pub history_file: Option<PathBuf>,

    /// Lines per second each client may send after its burst (0 = no limit);
    /// beyond it the server stops reading that client for a while.
    #[arg(long, value_name = "LINES_PER_SEC", default_value_t = Config::DEFAULTS.rate)]
    pub rate: u32,

    /// Lines a client may send at once before --rate applies.
    #[arg(long, value_name = "LINES", default_value_t = Config::DEFAULTS.burst, value_parser = parse_count::<1, 1_000_000>)]
    pub burst: usize,

    /// Most simultaneous connections; the next gets "-- bye (server full)".
    #[arg(long, value_name = "N", default_value_t = Config::DEFAULTS.max_clients, value_parser = parse_count::<1, 1_000_000>)]
    pub max_clients: usize,

    /// After a connection's last line is flushed, read and discard the
    /// client's unsent input this long, so the bye is not lost to a reset.
    #[arg(long, value_name = "DURATION", default_value = LINGER.as_str(), value_parser = parse_duration)]
    pub linger: Duration,

    /// How long the seat of a member that reads tags is held after its link
    /// broke, for /resume (0 = not held).
    #[arg(long, value_name = "DURATION", default_value = RESUME_WINDOW.as_str(), value_parser = parse_duration)]
    pub resume_window: Duration,

    /// Operators file: one "NAME HASH" line each (hash from `chatty
    /// passwd`), # comments; /oper NAME PASSWORD in chat.
    #[arg(long, value_name = "PATH")]
    pub operators: Option<PathBuf>,

    /// File that keeps bans across restarts (rewritten safely on each change).
    #[arg(long, value_name = "PATH")]
    pub bans_file: Option<PathBuf>,
}

impl ServeArgs {
    /// The server's settings from these flags.
    pub fn config(&self) -> Config {
        Config {
            max_line_bytes: self.max_line_bytes,
            login_timeout: self.login_timeout,
            idle_timeout: (!self.idle_timeout.is_zero()).then_some(self.idle_timeout),
            write_timeout: self.write_timeout,
            queue_lines: self.queue,
            queue_bytes: self.queue_bytes,
            queue_budget: self.queue_budget,
            history: self.history,
            history_file: self.history_file.clone(),
            rate: self.rate,
            burst: self.burst,
            max_clients: self.max_clients,
            linger: self.linger,
            resume_window: (!self.resume_window.is_zero()).then_some(self.resume_window),
            operators_file: self.operators.clone(),
            bans_file: self.bans_file.clone(),
            ..Config::default()
        }
    }
}

/// Flags of `chatty bench`.
///
/// Every client reads all the time and finds the bench payload anywhere in
/// a line, so any prefix (`alice: `, `127.0.0.1:5555: `) works. Phases:
/// connect, settle (until the arrival notices stop), warmup, the measured
/// window, drain. The run ends within connect-timeout + settle-timeout +
/// warmup + duration + drain + about a second, whatever the server does.
#[derive(Debug, Args)]
#[command(after_help = BENCH_EXAMPLES)]
pub struct BenchArgs {
    /// Server to load, HOST:PORT. Only this address is contacted.
    #[arg(long, default_value = DEFAULT_ADDR, value_parser = parse_addr)]
    pub addr: SocketAddr,

    /// Connections that read all the time (the senders are among them).
    #[arg(long, value_name = "N", default_value = DEFAULT_BENCH_CLIENTS)]
    pub clients: NonZeroUsize,

    /// Each client sends a name line first (`bRUN-N`, unique per run), as
    /// chatty needs.
    #[arg(long)]
    pub name_first: bool,

    /// How many of the clients send bench lines (at most --clients).
    #[arg(long, value_name = "S", default_value = DEFAULT_BENCH_SENDERS)]
    pub senders: usize,

    /// Lines per second per sender; 0 = as fast as the server takes them,
    /// with at most --in-flight lines per sender not yet received by every
    /// client.
    #[arg(long, value_name = "LINES_PER_SEC", default_value = DEFAULT_BENCH_RATE)]
    pub rate: u32,

    /// With --rate 0: lines a sender may have out that some client has not
    /// received (or passed) yet. Every client must get every line, the
    /// sender included, as with chatty and the seed.
    #[arg(long, value_name = "LINES", default_value = DEFAULT_BENCH_IN_FLIGHT)]
    pub in_flight: NonZeroUsize,

    /// Sending before the measured window starts (not measured).
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_BENCH_WARMUP, value_parser = parse_duration)]
    pub warmup: Duration,

    /// The measured window (with --idle: how long to hold the connections).
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_BENCH_DURATION, value_parser = parse_positive_duration)]
    pub duration: Duration,

    /// Size of each bench line's text in bytes, before any server prefix
    /// (at least the stamp, about 30 bytes; padded with `x`).
    #[arg(long, value_name = "BYTES", default_value = DEFAULT_BENCH_PAYLOAD)]
    pub payload: usize,

    /// Print the report as one JSON object on stdout instead of text.
    #[arg(long)]
    pub json: bool,

    /// The server's process id, to report its memory (RSS) and CPU from /proc.
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,

    /// Only connect and hold the connections for --duration (memory per
    /// connection); nobody sends.
    #[arg(long)]
    pub idle: bool,

    /// K extra clients that never read; the report says whether the others
    /// still got the full offered rate in the last third of the window.
    #[arg(long, value_name = "K", default_value = "0")]
    pub slow_reader: usize,

    /// Connections being opened at once.
    #[arg(long, value_name = "N", default_value = DEFAULT_BENCH_CONNECT_CONCURRENCY)]
    pub connect_concurrency: NonZeroUsize,

    /// Time allowed for opening every connection.
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_BENCH_CONNECT_TIMEOUT, value_parser = parse_positive_duration)]
    pub connect_timeout: Duration,

    /// Longest wait for the arrival notices to stop after connecting
    /// (settled = nothing received for 300 ms).
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_BENCH_SETTLE_TIMEOUT, value_parser = parse_positive_duration)]
    pub settle_timeout: Duration,

    /// Longest wait after sending stops for the last lines to arrive.
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_BENCH_DRAIN, value_parser = parse_duration)]
    pub drain: Duration,

    /// Give up when lines are outstanding and nothing arrives for this long
    /// (the server stopped answering).
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_BENCH_STALL, value_parser = parse_positive_duration)]
    pub stall: Duration,
}

const BENCH_EXAMPLES: &str = "\
Examples:
  chatty bench --name-first --clients 100 --senders 10 --rate 0
  chatty bench --name-first --clients 10000 --idle --pid 4242
  chatty bench --addr 127.0.0.1:9000 --clients 100 --rate 100   (a server without names)";

impl BenchArgs {
    /// The bench's settings from these flags.
    pub fn plan(&self) -> Plan {
        Plan {
            addr: self.addr,
            clients: self.clients.get(),
            name_first: self.name_first,
            senders: if self.idle {
                0
            } else {
                self.senders.min(self.clients.get())
            },
            rate: self.rate,
            in_flight: self.in_flight.get(),
            warmup: if self.idle {
                Duration::ZERO
            } else {
                self.warmup
            },
            duration: self.duration,
            payload: self.payload,
            pid: self.pid,
            idle: self.idle,
            slow_readers: self.slow_reader,
            connect_concurrency: self.connect_concurrency.get(),
            connect_timeout: self.connect_timeout,
            settle_timeout: self.settle_timeout,
            drain: self.drain,
            stall: self.stall,
        }
    }
}

/// Reads `HOST:PORT`, resolving a host name such as `localhost`.
pub fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    let hint = "expected HOST:PORT, for example 127.0.0.1:8000";
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let mut addrs = text
        .to_socket_addrs()
        .map_err(|err| format!("cannot use '{text}' ({err}); {hint}"))?;
    addrs
        .next()
        .ok_or_else(|| format!("'{text}' resolves to no address; {hint}"))
}

/// Reads a whole number from `MIN` to `MAX`, with an error that says what
/// to write.
pub fn parse_count<const MIN: usize, const MAX: usize>(text: &str) -> Result<usize, String> {
    let count: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a whole number; write it like 1024"))?;
    if (MIN..=MAX).contains(&count) {
        Ok(count)
    } else {
        Err(format!("must be from {MIN} to {MAX}"))
    }
}

/// Reads a duration like `30s`, `5m`, `1h30m` or `0`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if text.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(text)
        .map_err(|err| format!("'{text}' is not a duration ({err}); write it like 30s, 5m or 1h"))
}

/// A duration that must not be zero.
pub fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        Duration::ZERO => Err("must be more than 0; write it like 30s, 5m or 1h".to_owned()),
        duration => Ok(duration),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_without_flags_is_the_default_config() {
        let cli = Cli::try_parse_from(["chatty", "serve"]).expect("parses");
        let Command::Serve(args) = cli.command else {
            panic!("serve");
        };
        assert_eq!(
            format!("{:?}", args.config()),
            format!("{:?}", Config::default())
        );
    }

    #[test]
    fn counts() {
        assert_eq!(parse_count::<1, 10>("10"), Ok(10));
        assert_eq!(parse_count::<0, 10>("0"), Ok(0));
        assert_eq!(
            parse_count::<1, 10>("0"),
            Err("must be from 1 to 10".to_owned())
        );
        assert_eq!(
            parse_count::<1, 10>("11"),
            Err("must be from 1 to 10".to_owned())
        );
        assert!(
            parse_count::<1, 10>("ten")
                .expect_err("refused")
                .contains("whole number")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(
            parse_duration("abc")
                .expect_err("refused")
                .contains("not a duration")
        );
        assert!(parse_positive_duration("0").is_err());
    }

    #[test]
    fn addresses() {
        assert_eq!(
            parse_addr("127.0.0.1:8000"),
            Ok(SocketAddr::from(([127, 0, 0, 1], 8000)))
        );
        assert!(
            parse_addr("nonsense")
                .expect_err("refused")
                .contains("HOST:PORT")
        );
    }

    #[test]
    fn defaults_make_a_sane_config() {
        let cli = Cli::try_parse_from(["chatty", "serve"]).expect("defaults parse");
        let Command::Serve(args) = cli.command else {
            panic!("expected serve");
        };
        let config = args.config();
        assert_eq!(config.idle_timeout, Some(Duration::from_secs(300)));
        assert_eq!(config.max_line_bytes, 4096);
    }

    #[test]
    fn join_defaults() {
        let cli = Cli::try_parse_from(["chatty", "join", "--name", "alice"]).expect("parse");
        let Command::Join(args) = cli.command else {
            panic!("expected join");
        };
        assert_eq!(args.name, "alice");
        assert_eq!(args.addr, SocketAddr::from(([127, 0, 0, 1], 8000)));
        assert!(!args.bell);
        assert!(
            Cli::try_parse_from(["chatty", "join"]).is_err(),
            "--name is required"
        );
    }

    #[test]
    fn bad_flags_are_refused() {
        for args in [
            ["chatty", "serve", "--queue", "0"],
            ["chatty", "serve", "--idle-timeout", "abc"],
            ["chatty", "serve", "--addr", "nonsense"],
            ["chatty", "bench", "--clients", "0"],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
    }
}
