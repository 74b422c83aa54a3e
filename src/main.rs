//! The `chatty` binary: parse the command line, start logging, dispatch,
//! and turn errors into a one-line message and an exit code.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory as _, Parser};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use chatty::cli::{Cli, Command, JoinArgs, ServeArgs};
use chatty::{bench, client, server};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => {
            if !args.listens() {
                Cli::command()
                    .error(
                        clap::error::ErrorKind::MissingRequiredArgument,
                        "--addr none leaves nothing to listen on: add --tls-addr HOST:PORT",
                    )
                    .exit();
            }
            init_logging();
            serve(args)
        }
        // No logging to stderr here: it would scribble over the screen.
        Command::Join(args) => join(args),
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
        let tls = args.tls()?;
        let listeners = server::Listeners::bind(args.addr.0, tls.as_ref()).await?;
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
        server::run_on(listeners, args.config(), shutdown).await
    })
}

fn join(args: JoinArgs) -> anyhow::Result<()> {
    // Read before the runtime starts threads: the offset can only be
    // read safely while the process has one thread.
    let offset = client::local_offset();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(client::run(args, offset))
}
