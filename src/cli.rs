//! Command-line flags for every subcommand. Defaults are named consts so
//! `--help`, the README and the server agree.

use std::net::{SocketAddr, ToSocketAddrs};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;

use crate::bench::Plan;
use crate::client::prefs::{Notify, Prefs};
use crate::protocol::Name;
use crate::server::Config;
use crate::server::cluster::ClusterConfig;
use crate::server::limits::{format_cidrs, parse_cidrs};
use crate::server::tls::{CertSource, TlsPlan, cert};

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
static NEW_PER_ADDRESS_WINDOW: LazyLock<String> =
    LazyLock::new(|| human(Config::DEFAULTS.new_per_address_window));
static EXEMPT: LazyLock<String> = LazyLock::new(|| format_cidrs(&Config::DEFAULTS.exempt));

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

// Parsed once per run: boxing the large serve flags would buy nothing.
#[allow(clippy::large_enum_variant)]
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

/// Flags of `chatty join`. Each one's default may also come from the
/// config file (`--config`); a flag given wins over the file.
#[derive(Debug, Args)]
pub struct JoinArgs {
    /// Name to join with; if the server refuses it, the client asks for
    /// another. Needed unless the config file gives a name.
    #[arg(long)]
    pub name: Option<String>,
    /// Server address, HOST:PORT [default: 127.0.0.1:8000].
    #[arg(long, value_parser = parse_server_addr)]
    pub addr: Option<ServerAddr>,
    /// Which lines from others notify you (a desktop notification through
    /// the terminal, or the bell) [default: mentions, which includes
    /// private lines].
    #[arg(long, value_enum)]
    pub notify: Option<Notify>,
    /// The same as --notify mentions (kept from earlier versions).
    #[arg(long)]
    pub bell: bool,
    /// Time to wait for the server's "-- you are" before treating it as a
    /// server that does not speak chatty and switching to plain mode
    /// [default: 5s].
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub join_wait: Option<Duration>,
    /// Append every line shown, with its date and time, to a file per day
    /// in this directory.
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// No full-screen UI: print each line with its time, send each line
    /// read on standard input; /quit or the end of input leaves.
    #[arg(long)]
    pub plain: bool,
    /// The config file [default: $XDG_CONFIG_HOME/chatty/config.toml, or
    /// ~/.config/chatty/config.toml].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Speak TLS. A certificate from a trusted authority is accepted; any
    /// other is trusted on first use (asked once, then pinned).
    #[arg(long)]
    pub tls: bool,
    /// Also trust the authorities (or the self-signed certificate) in this
    /// PEM file.
    #[arg(long, value_name = "PEM", requires = "tls")]
    pub tls_ca: Option<PathBuf>,
}

impl JoinArgs {
    /// The client's options from the flags and the config file, or why
    /// they can never work (a usage error, found before the terminal is
    /// touched): a bad file, a name the protocol refuses, no name at all.
    pub fn options(&self) -> Result<crate::client::Options, String> {
        let config = crate::client::config::load(self.config.as_deref())?;
        let file = &config.file;
        let parse_name = |text: &str| Name::parse(text).map_err(|err| err.to_string());
        let name = match &self.name {
            Some(name) => Some(Name::parse(name).map_err(|err| format!("invalid --name: {err}"))?),
            None => config.check(&file.name, "name", parse_name)?,
        };
        let Some(name) = name else {
            return Err(no_name());
        };
        let addr = match &self.addr {
            Some(addr) => addr.clone(),
            None => config
                .check(&file.addr, "addr", parse_server_addr)?
                .unwrap_or_else(default_join_addr),
        };
        let join_wait = match self.join_wait {
            Some(wait) => wait,
            None => config.join_wait()?.unwrap_or(JOIN_WAIT),
        };
        let bell = (self.bell || file.bell == Some(true)).then_some(Notify::Mentions);
        let defaults = Prefs::default();
        let prefs = Prefs {
            notify: self.notify.or(file.notify).or(bell).unwrap_or_default(),
            timestamps: file.timestamps.unwrap_or(defaults.timestamps),
            show_users: file.users_pane.unwrap_or(defaults.show_users),
            users_width: file.users_width,
            hyperlinks: file.hyperlinks.unwrap_or(defaults.hyperlinks),
        };
        Ok(crate::client::Options {
            addr,
            name,
            join_wait,
            prefs,
            log_dir: self.log_dir.clone().or_else(|| config.log_dir()),
            plain: self.plain || file.plain == Some(true),
            tls: self.tls,
            tls_ca: self.tls_ca.clone(),
        })
    }
}

/// `chatty join`'s default server.
fn default_join_addr() -> ServerAddr {
    ServerAddr {
        host: "127.0.0.1".to_owned(),
        socket: SocketAddr::from(([127, 0, 0, 1], 8000)),
    }
}
/// [`DEFAULT_JOIN_WAIT`] as a duration.
const JOIN_WAIT: Duration = Duration::from_secs(5);

fn no_name() -> String {
    let path = crate::client::config::default_path()
        .map_or_else(|| "the config file".to_owned(), |p| p.display().to_string());
    format!("no name to join with: give --name NAME, or set name = \"NAME\" in {path}")
}

/// A server to join: the host as written (TLS checks and pins it) and the
/// address it resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerAddr {
    /// Without brackets, lower case.
    pub host: String,
    pub socket: SocketAddr,
}

impl ServerAddr {
    /// `HOST:PORT`, as `known_servers` names the server.
    pub fn key(&self) -> String {
        match self.host.contains(':') {
            true => format!("[{}]:{}", self.host, self.socket.port()),
            false => format!("{}:{}", self.host, self.socket.port()),
        }
    }
}

/// Reads `HOST:PORT`, keeping the host as written beside the address.
pub fn parse_server_addr(text: &str) -> Result<ServerAddr, String> {
    let socket = parse_addr(text)?;
    let host = text.trim().rsplit_once(':').map_or("", |(host, _)| host);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok(ServerAddr {
        host: host.to_ascii_lowercase(),
        socket,
    })
}

/// Flags of `chatty serve`. Durations read like `30s`, `5m`, `1h`; `0`
/// turns the timeout off where that is allowed.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT (port 0 picks a free port); `none`
    /// for no plain listener (then --tls-addr is needed).
    #[arg(long, default_value = DEFAULT_ADDR, value_parser = parse_listen_addr)]
    pub addr: ListenAddr,

    /// Also listen for TLS on HOST:PORT, into the same room.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_addr)]
    pub tls_addr: Option<SocketAddr>,

    /// TLS certificate chain (PEM); without it a self-signed certificate is
    /// made once and kept in --state-dir.
    #[arg(long, value_name = "PEM", requires_all = ["tls_key", "tls_addr"])]
    pub tls_cert: Option<PathBuf>,

    /// Private key of --tls-cert (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Where the self-signed certificate is kept (cert.pem, key.pem)
    /// [default: $XDG_STATE_HOME/chatty, or ~/.local/state/chatty]
    #[arg(long, value_name = "PATH")]
    pub state_dir: Option<PathBuf>,

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

    /// Open connections per address (IPv6: per /64) (0 = no limit); the
    /// next gets "-- bye (too many connections)".
    #[arg(long, value_name = "N", default_value_t = Config::DEFAULTS.max_per_address, value_parser = parse_count::<0, 1_000_000>)]
    pub max_per_address: usize,

    /// New connections per address per --new-per-address-window (0 = no
    /// limit), logins that never choose a name included.
    #[arg(long, value_name = "N", default_value_t = Config::DEFAULTS.max_new_per_address, value_parser = parse_count::<0, 1_000_000>)]
    pub max_new_per_address: usize,

    /// The window of --max-new-per-address.
    #[arg(long, value_name = "DURATION", default_value = NEW_PER_ADDRESS_WINDOW.as_str(), value_parser = parse_positive_duration)]
    pub new_per_address_window: Duration,

    /// Addresses no per-address limit applies to: CIDR,... or none.
    #[arg(long, value_name = "CIDRS", default_value = EXEMPT.as_str(), value_parser = parse_cidrs)]
    pub exempt: std::vec::Vec<IpNet>,

    /// Proxies (CIDR,...) whose connections start with a PROXY protocol
    /// header (v1 or v2); the client it names is the one limited and logged.
    #[arg(long, value_name = "CIDRS", value_parser = parse_cidrs)]
    pub trusted_proxy: Option<std::vec::Vec<IpNet>>,

    /// Serve Prometheus metrics at http://HOST:PORT/metrics.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_addr)]
    pub metrics: Option<SocketAddr>,
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

    /// Share one room with other servers through Redis (its stream is the
    /// room's log and history): redis://HOST:PORT[/DB].
    #[arg(long, value_name = "URL", value_parser = parse_redis_url, conflicts_with = "history_file")]
    pub cluster: Option<String>,

    /// Prefix of the room's keys in Redis, so several rooms can share one.
    #[arg(long, value_name = "PREFIX", default_value = "chatty", requires = "cluster", value_parser = parse_cluster_key)]
    pub cluster_key: String,

    /// How long a server's lease in the cluster lasts: a server that died
    /// is noticed (and its members leave) within about this long; one that
    /// cannot renew stops serving after three quarters of it.
    #[arg(long, value_name = "DURATION", default_value = "10s", requires = "cluster", value_parser = parse_lease)]
    pub cluster_lease: Duration,
}

/// Reads a `redis://` address (checked again when connecting).
fn parse_redis_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    match redis::Client::open(text) {
        Ok(_) if text.starts_with("redis://") => Ok(text.to_owned()),
        Ok(_) => Err("expected redis://HOST:PORT[/DB]".into()),
        Err(err) => Err(format!(
            "not a Redis address ({err}); expected redis://HOST:PORT[/DB]"
        )),
    }
}

/// A key prefix: printable, no spaces (it is part of every key name).
fn parse_cluster_key(text: &str) -> Result<String, String> {
    let good = !text.is_empty() && text.len() <= 64 && text.chars().all(|c| c.is_ascii_graphic());
    if good {
        Ok(text.to_owned())
    } else {
        Err("expected 1 to 64 printable ASCII characters, no spaces".into())
    }
}

/// A lease between 1 s and 10 min.
fn parse_lease(text: &str) -> Result<Duration, String> {
    let lease = parse_duration(text)?;
    if (Duration::from_secs(1)..=Duration::from_secs(600)).contains(&lease) {
        Ok(lease)
    } else {
        Err("expected a lease between 1s and 10m".into())
    }
}

/// A listen address, or `none` (`ListenAddr(None)`) for no listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListenAddr(pub Option<SocketAddr>);

/// Reads `HOST:PORT` or `none`.
pub fn parse_listen_addr(text: &str) -> Result<ListenAddr, String> {
    if text.trim() == "none" {
        return Ok(ListenAddr(None));
    }
    parse_addr(text).map(|addr| ListenAddr(Some(addr)))
}

impl ServeArgs {
    /// Whether these flags leave anything to listen on.
    pub fn listens(&self) -> bool {
        self.addr.0.is_some() || self.tls_addr.is_some()
    }

    /// The TLS listener asked for, if any, with where its certificate is.
    pub fn tls(&self) -> anyhow::Result<Option<TlsPlan>> {
        let Some(addr) = self.tls_addr else {
            return Ok(None);
        };
        let source = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => CertSource::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            _ => CertSource::SelfSigned {
                state_dir: match &self.state_dir {
                    Some(dir) => dir.clone(),
                    None => crate::dirs::state_dir()?,
                },
                names: cert::default_names(addr),
            },
        };
        Ok(Some(TlsPlan { addr, source }))
    }

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
            max_per_address: self.max_per_address,
            max_new_per_address: self.max_new_per_address,
            new_per_address_window: self.new_per_address_window,
            exempt: self.exempt.clone().into(),
            trusted_proxies: self.trusted_proxy.clone().unwrap_or_default().into(),
            metrics: self.metrics,
            resume_window: (!self.resume_window.is_zero()).then_some(self.resume_window),
            operators_file: self.operators.clone(),
            bans_file: self.bans_file.clone(),
            cluster: self.cluster.clone().map(|url| ClusterConfig {
                url,
                prefix: self.cluster_key.clone(),
                lease: self.cluster_lease,
                snapshot_every: ClusterConfig::SNAPSHOT_EVERY,
            }),
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
    /// Servers to load, HOST:PORT[,HOST:PORT...]: client i connects to
    /// the (i mod N)-th (round robin, as do the slow readers after them).
    /// Only these addresses are contacted.
    #[arg(long, value_name = "HOST:PORT,...", default_value = DEFAULT_ADDR, value_delimiter = ',', value_parser = crate::bench::parse_server)]
    pub addr: Vec<SocketAddr>,

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

    /// With --rate 0, instead of --in-flight: deliveries a sender may have
    /// out, summed over every client (what most load generators bound). A
    /// client that stalls may then fall this far behind the others, so a
    /// server that drops lines for it shows gaps.
    #[arg(long, value_name = "DELIVERIES")]
    pub outstanding: Option<NonZeroUsize>,

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
  chatty bench --addr 127.0.0.1:8000,127.0.0.1:8001 --name-first --rate 0   (a cluster)
  chatty bench --addr 127.0.0.1:9000 --clients 100 --rate 100   (a server without names)";

impl BenchArgs {
    /// The bench's settings from these flags.
    pub fn plan(&self) -> Plan {
        Plan {
            addrs: self.addr.clone(),
            clients: self.clients.get(),
            name_first: self.name_first,
            senders: if self.idle {
                0
            } else {
                self.senders.min(self.clients.get())
            },
            rate: self.rate,
            in_flight: self.in_flight.get(),
            outstanding: self.outstanding.map(|n| n.get() as u64),
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
        let cli =
            Cli::try_parse_from(["chatty", "join", "--name", "alice", "--config", "/dev/null"])
                .expect("parse");
        let Command::Join(args) = cli.command else {
            panic!("expected join");
        };
        let options = args.options().expect("valid");
        assert_eq!(options.name.as_str(), "alice");
        assert_eq!(
            options.addr.socket,
            SocketAddr::from(([127, 0, 0, 1], 8000))
        );
        assert_eq!(options.addr.key(), "127.0.0.1:8000");
        assert!(!options.tls);
        assert_eq!(
            options.join_wait,
            parse_duration(DEFAULT_JOIN_WAIT).expect("parses")
        );
        assert_eq!(options.prefs.notify, Notify::Mentions);
        assert!(!options.plain);
        assert!(
            Cli::try_parse_from(["chatty", "join"]).is_ok(),
            "the name may come from the config file"
        );
    }

    #[test]
    fn address_lists() {
        let serve = |args: &[&str]| {
            let argv = ["chatty", "serve"].iter().chain(args);
            match Cli::try_parse_from(argv).map(|cli| cli.command) {
                Ok(Command::Serve(args)) => Ok(args.config()),
                Ok(_) => panic!("serve"),
                Err(err) => Err(err),
            }
        };
        let config = serve(&["--exempt", "none", "--trusted-proxy", "10.0.0.0/8,::1"]);
        let config = config.expect("parses");
        assert!(config.exempt.is_empty());
        assert_eq!(format_cidrs(&config.trusted_proxies), "10.0.0.0/8,::1");
        assert!(serve(&["--exempt", "10.0.0.0/40"]).is_err());
        assert!(serve(&["--trusted-proxy", "haproxy"]).is_err());
        assert!(serve(&[]).expect("defaults").trusted_proxies.is_empty());
    }

    #[test]
    fn server_addresses_keep_the_host_as_written() {
        let v6 = parse_server_addr("[::1]:7000").expect("v6");
        assert_eq!(
            (v6.host.as_str(), v6.key()),
            ("::1", "[::1]:7000".to_owned())
        );
        let named = parse_server_addr("LocalHost:7000").expect("name");
        assert_eq!(named.key(), "localhost:7000");
        assert_eq!(named.socket.port(), 7000);
        assert!(parse_server_addr("localhost").is_err());
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
