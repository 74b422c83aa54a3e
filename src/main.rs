//! The `chatty` binary: parse the command line, start logging, dispatch,
//! and turn errors into a one-line message and an exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory as _, Parser};
use tokio_util::sync::CancellationToken;
use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use chatty::cli::{Cli, Command, JoinArgs, ServeArgs};
use chatty::{bench, client, server};

/// Log lines waiting for the log writer; beyond it lines are dropped.
const LOG_QUEUE_LINES: usize = 16 * 1024;
/// How long the exit waits for queued log lines to reach stderr.
const LOG_FLUSH: Duration = Duration::from_secs(2);

/// jemalloc, with its background threads purging freed pages: memory a
/// crowd of slow readers held goes back to the system seconds after they
/// leave, where glibc's malloc kept much of it resident.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            if !args.listens() {
                Cli::command()
                    .error(
                        clap::error::ErrorKind::MissingRequiredArgument,
                        "--addr none leaves nothing to listen on: add --tls-addr HOST:PORT",
                    )
                    .exit();
            }
            let logs = Logs::start();
            let result = serve(args);
            logs.finish(result)
        }
        // No logging to stderr here: it would scribble over the screen.
        Command::Join(args) => join(&args),
        Command::Passwd => passwd(),
        Command::Bench(args) => {
            exit_code(bench::run(args.plan(), args.json), &mut std::io::stderr())
        }
    }
}

/// Prints the error, if any (a closed stderr is no reason to panic).
fn exit_code(result: anyhow::Result<()>, stderr: &mut impl Write) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(stderr, "error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The server's log: `RUST_LOG` picks the level (default `info`). Lines
/// go through a bounded queue to a thread that writes stderr, so a full
/// or closed stderr never blocks or panics the room; when the queue is
/// full, lines are dropped.
struct Logs {
    writer: NonBlocking,
    guard: WorkerGuard,
}

impl Logs {
    fn start() -> Logs {
        let (writer, guard) = NonBlockingBuilder::default()
            .lossy(true)
            .buffered_lines_limit(LOG_QUEUE_LINES)
            .thread_name("chatty-log")
            .finish(std::io::stderr());
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer.clone())
            .with_ansi(std::io::stderr().is_terminal())
            .log_internal_errors(false)
            .init();
        // The default hook writes stderr directly and would block on a
        // full pipe; a panic goes to the log like everything else.
        std::panic::set_hook(Box::new(|panic| tracing::error!("{panic}")));
        Logs { writer, guard }
    }

    /// Logs the outcome's error, then gives queued lines a bounded time to
    /// reach stderr: a stuck pipe must not keep the process alive.
    fn finish(mut self, result: anyhow::Result<()>) -> ExitCode {
        let code = exit_code(result, &mut self.writer);
        let (flushed, wait) = std::sync::mpsc::channel();
        let guard = self.guard;
        let flusher = std::thread::Builder::new().spawn(move || {
            drop(guard);
            let _ = flushed.send(());
        });
        if flusher.is_ok() {
            let _ = wait.recv_timeout(LOG_FLUSH);
        }
        code
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    server::raise_open_files_limit();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let tls = args.tls()?;
        let listeners = server::Listeners::bind(args.addr.0, tls.as_ref()).await?;
        let shutdown = CancellationToken::new();
        let on_signal = shutdown.clone();
        let mut signals = server::Signals::watch()?;
        tokio::spawn(async move {
            let first = signals.next().await;
            on_signal.cancel();
            tracing::info!("{first} received");
            let second = signals.next().await;
            tracing::error!("{second} during shutdown, exiting without flushing");
            std::process::exit(1);
        });
        server::run_on(listeners, args.config(), shutdown).await
    })
}

/// Prints the hash of the password read on standard input.
fn passwd() -> ExitCode {
    let hash = server::moderation::passwd::run();
    let printed = hash.and_then(|hash| Ok(writeln!(std::io::stdout(), "{hash}")?));
    exit_code(printed, &mut std::io::stderr())
}

/// Exit status of a usage error, as clap uses.
const USAGE: u8 = 2;
/// Exit status after SIGQUIT, as a shell reports a process it killed.
const QUIT_SIGNAL: u8 = 128 + 3;

/// A `--name` that can never be valid is a one-line usage error, before
/// the terminal is touched.
fn join(args: &JoinArgs) -> ExitCode {
    let options = match args.options() {
        Ok(options) => options,
        Err(usage) => {
            let _ = writeln!(std::io::stderr(), "error: {usage}");
            return ExitCode::from(USAGE);
        }
    };
    // Read before the runtime starts threads: the offset can only be
    // read safely while the process has one thread.
    let offset = client::local_offset();
    let ending = tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(client::run(options, offset)));
    match ending {
        Ok(client::Ending::Quit) => ExitCode::SUCCESS,
        Ok(client::Ending::Abort) => ExitCode::from(QUIT_SIGNAL),
        Err(err) => exit_code(Err(err), &mut std::io::stderr()),
    }
}
