//! The `chatty` binary: parse the command line, start logging, dispatch,
//! and turn errors into a one-line message and an exit code.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use chatty::cli::{Cli, Command, JoinArgs, ServeArgs};
use chatty::{bench, client, server};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => {
            init_logging();
            serve(args)
        }
        // No logging to stderr here: it would scribble over the screen.
        Command::Join(args) => return join(&args),
        Command::Bench(args) => bench::run(args.plan(), args.json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr; `RUST_LOG` picks the level (default `info`).
fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    server::raise_open_files_limit();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = server::bind(args.addr).await?;
        let shutdown = CancellationToken::new();
        let on_signal = shutdown.clone();
        let mut signals = server::Signals::watch()?;
        tokio::spawn(async move {
            signals.next().await;
            on_signal.cancel();
            signals.next().await;
            eprintln!("error: second signal during shutdown, exiting without flushing");
            std::process::exit(1);
        });
        server::run(listener, args.config(), shutdown).await
    })
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
            eprintln!("error: {usage}");
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
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
