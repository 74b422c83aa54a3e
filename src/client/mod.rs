//! `chatty join`: the terminal client.
//!
//! Built in the Elm shape: [`app::App`] is the model, [`event::Event`] what
//! happens, [`update::update`] the pure rules returning [`event::Effect`]s,
//! [`ui::draw`] the pure view. [`tui`] is the thin loop around them: it
//! reads terminal and socket events, performs effects, and draws when
//! [`frames`] says (at once for what the person does, at most once per
//! frame for lines from the network). [`net`] owns the socket, opened by [`link`] (plain TCP or TLS,
//! whose certificates [`tls`] checks); [`terminal`] restores the terminal on
//! every exit path and [`signals`] turns signals from outside into events,
//! so that holds for `kill` too; [`outbox`] keeps the lines that wait to be
//! sent, each a line of its own; [`scrollback`] keeps the bounded history
//! with each line's wrapped row count, so scrolling stays cheap.
//!
//! For all-day use: [`config`] reads the config file, [`prefs`] holds what
//! it and the flags chose, [`search`], [`quiet`] and [`links`] are the
//! rules of search, quiet joins and URLs, [`notify`] says which lines
//! notify and how, [`logfile`] keeps the local log off the loop's thread,
//! [`text`] renders a line as plain text, and [`plain`] runs the same
//! client without the full-screen UI.

pub(crate) mod app;
pub(crate) mod classify;
pub(crate) mod clock;
pub(crate) mod config;
pub(crate) mod event;
pub(crate) mod frames;
pub(crate) mod input;
pub(crate) mod link;
pub(crate) mod links;
pub(crate) mod logfile;
pub(crate) mod net;
pub(crate) mod notify;
pub(crate) mod osc8;
pub(crate) mod outbox;
pub(crate) mod plain;
pub(crate) mod prefs;
pub(crate) mod quiet;
pub(crate) mod scrollback;
pub(crate) mod search;
pub(crate) mod session;
pub(crate) mod signals;
pub(crate) mod terminal;
pub(crate) mod text;
pub mod tls;
pub(crate) mod tui;
pub(crate) mod ui;
pub(crate) mod update;
pub(crate) mod users;
pub(crate) mod wrap;

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::ServerAddr;
use crate::protocol::Name;

use self::app::App;
use self::clock::Clock;
pub use self::clock::local_offset;
use self::logfile::LogFile;
use self::prefs::Prefs;

/// Events queued between the socket task and the loop.
pub(crate) const REPORTS: usize = 256;
/// Lines queued from the loop to the socket task. Small: lines that wait
/// longer wait in the app's outbox, where Esc can still stop them.
pub(crate) const REQUESTS: usize = 16;

/// What `chatty join` is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// The server to join.
    pub addr: ServerAddr,
    /// The name to join with (valid by the protocol's rules).
    pub name: Name,
    /// How long to wait for `-- you are` before taking the server for one
    /// that does not speak chatty (plain mode).
    pub join_wait: Duration,
    /// Which lines notify, and the looks.
    pub prefs: Prefs,
    /// Where the local log goes, if kept.
    pub log_dir: Option<PathBuf>,
    /// No full-screen UI: lines in on stdin, out on stdout.
    pub plain: bool,
    /// Speak TLS (trusting an unknown certificate on first use).
    pub tls: bool,
    /// Extra authorities to trust, in a PEM file.
    pub tls_ca: Option<PathBuf>,
}

/// How the client ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Quit by the person, or by SIGTERM, SIGHUP or SIGINT (status 0).
    Quit,
    /// SIGQUIT (status 131, as a shell reports it).
    Abort,
}

/// Runs the client until the person quits. `offset` is the local UTC offset
/// in seconds, read before the runtime started.
pub async fn run(options: Options, offset: i32) -> anyhow::Result<Ending> {
    // Before the screen is taken: this may ask whether to trust the server,
    // and says why it refuses one even without a terminal.
    let connector = match options.tls {
        true => tls::prepare(&options.addr, options.tls_ca.as_deref()).await?,
        false => link::Connector::from(options.addr.socket),
    };
    let mut app = App::new(options.addr.socket, options.name.to_string());
    app.prefs = options.prefs;
    app.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    app.clock = Clock::now(offset);
    let log = match &options.log_dir {
        Some(dir) => Some(LogFile::start(dir)?),
        None => None,
    };
    if options.plain {
        plain::run(&options, app, offset, log, connector).await
    } else {
        tui::run(&options, app, offset, log, connector).await
    }
}
