//! `chatty join`: the terminal client.
//!
//! Built in the Elm shape: [`app::App`] is the model, [`event::Event`] what
//! happens, [`update::update`] the pure rules returning [`event::Effect`]s,
//! [`ui::draw`] the pure view. This module is the thin loop around them: it
//! reads terminal and socket events, performs effects, and draws after each
//! event. [`net`] owns the socket, opened by [`link`] (plain TCP or TLS,
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
pub(crate) mod ui;
pub(crate) mod update;
pub(crate) mod users;
pub(crate) mod wrap;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::cli::ServerAddr;
use crate::protocol::Name;

use self::app::App;
use self::clock::Clock;
pub use self::clock::local_offset;
use self::event::{Effect, Event, NetEvent, QUIT_WAIT};
use self::frames::Frames;
use self::logfile::LogFile;
use self::net::Request;
use self::notify::Way;
use self::prefs::Prefs;
use self::signals::Signals;
use self::terminal::TerminalGuard;

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
        run_tui(&options, app, offset, log, connector).await
    }
}

/// OSC 8 links when the config file does not turn them off and the
/// terminal is not one that would print them.
fn hyperlinks_on(prefs: &prefs::Prefs) -> bool {
    prefs.hyperlinks && osc8::supported(std::env::var("TERM").ok().as_deref())
}

async fn run_tui(
    options: &Options,
    mut app: App,
    offset: i32,
    log: Option<LogFile>,
    connector: link::Connector,
) -> anyhow::Result<Ending> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "chatty join needs a terminal: run it in one, or use --plain for pipes, scripts and screen readers"
        );
    }
    let signals = Signals::catch().context("cannot catch signals")?;
    let (requests, requests_rx) = mpsc::channel(REQUESTS);
    let (reports_tx, reports) = mpsc::channel(REPORTS);
    let link = net::Link {
        connector,
        join_wait: options.join_wait,
    };
    tokio::spawn(net::run(link, requests_rx, reports_tx));
    let guard = TerminalGuard::enter(hyperlinks_on(&options.prefs))
        .context("cannot set up the terminal")?;
    let size = guard.terminal.size()?;
    app.size = (size.width, size.height);
    let effects = update::start(&mut app);
    let mut looper = Loop {
        app,
        guard,
        signals,
        requests,
        reports,
        offset,
        log,
        way: notify::way(|key| std::env::var(key).ok()),
        quit_by: None,
    };
    let ending = looper.run(effects).await;
    if let Some(log) = looper.log.take() {
        log.close();
    }
    ending
}

/// The running client: the model, the terminal and the socket task's ends.
struct Loop {
    app: App,
    guard: TerminalGuard,
    signals: Signals,
    requests: mpsc::Sender<Request>,
    reports: mpsc::Receiver<NetEvent>,
    offset: i32,
    /// The local log, if kept.
    log: Option<LogFile>,
    /// How this terminal shows notifications.
    way: Way,
    /// After `/quit`: leave by then even without the bye.
    quit_by: Option<tokio::time::Instant>,
}

/// Whether the loop goes on after an effect.
enum Flow {
    Continue,
    End(Ending),
}

impl Loop {
    async fn run(&mut self, first: Vec<Effect>) -> anyhow::Result<Ending> {
        let mut terminal_events = EventStream::new();
        if let Flow::End(ending) = self.perform(first).await? {
            return Ok(ending);
        }
        let mut frames = Frames::default();
        loop {
            if frames.due() {
                self.draw()?;
                frames.drawn();
            }
            let wants_slot = self.app.wants_send_slot();
            let event = tokio::select! {
                biased;
                signal = self.signals.next() => Some(Event::Signal(signal)),
                () = plain::quit_deadline(self.quit_by) => return Ok(Ending::Quit),
                () = frames.wait(), if frames.waiting() => continue,
                next = terminal_events.next() => match next {
                    Some(event) => from_terminal(event?),
                    None => return Ok(Ending::Quit),
                },
                report = self.reports.recv() => match report {
                    Some(report) => Some(Event::Net(report)),
                    None => anyhow::bail!("the connection task stopped"),
                },
                slot = self.requests.reserve(), if wants_slot => {
                    slot.map(drop).context("the connection task stopped")?;
                    Some(Event::SendSlot)
                }
            };
            let Some(event) = event else { continue };
            match event {
                Event::Net(_) | Event::SendSlot => frames.changed(),
                Event::Key(_)
                | Event::Paste(_)
                | Event::Resize(..)
                | Event::Scroll(_)
                | Event::Focus(_)
                | Event::Signal(_) => frames.urgent(),
            }
            self.app.clock = Clock::now(self.offset);
            let effects = update::update(&mut self.app, event);
            if let Some(log) = self.log.as_mut() {
                log.log_new(&self.app.entries);
            }
            if let Flow::End(ending) = self.perform(effects).await? {
                return Ok(ending);
            }
        }
    }

    fn draw(&mut self) -> anyhow::Result<()> {
        let app = &self.app;
        self.guard.draw(|frame| {
            ui::draw(app, frame);
            let area = frame.area();
            (ui::cursor(app, area), ui::hyperlinks::find(app, area))
        })?;
        Ok(())
    }

    async fn perform(&mut self, effects: Vec<Effect>) -> anyhow::Result<Flow> {
        for effect in effects {
            match effect {
                Effect::Send(line) => self.request(Request::Send(line)).await?,
                Effect::Connect { login, attempt } => {
                    self.request(Request::Connect { login, attempt }).await?;
                }
                Effect::QuitSoon => self.quit_by = Some(tokio::time::Instant::now() + QUIT_WAIT),
                Effect::Notify(text) => self.guard.write_raw(&notify::sequence(self.way, &text))?,
                Effect::Open(url) => {
                    if let Err(err) = links::open(&url) {
                        self.app
                            .note(format!("cannot start {}: {err}", links::opener()));
                    }
                }
                Effect::Redraw => self.guard.terminal.clear()?,
                Effect::Suspend => self.guard.suspend()?,
                Effect::Exit => return Ok(Flow::End(Ending::Quit)),
                Effect::Abort => return Ok(Flow::End(Ending::Abort)),
            }
        }
        Ok(Flow::Continue)
    }

    async fn request(&self, request: Request) -> anyhow::Result<()> {
        self.requests
            .send(request)
            .await
            .context("the connection task stopped")
    }
}

/// The events the app cares about; key releases and repeats are dropped.
fn from_terminal(event: TermEvent) -> Option<Event> {
    match event {
        TermEvent::Key(key) if key.kind == KeyEventKind::Press => Some(Event::Key(key)),
        TermEvent::Paste(text) => Some(Event::Paste(text)),
        TermEvent::Resize(width, height) => Some(Event::Resize(width, height)),
        TermEvent::FocusGained => Some(Event::Focus(true)),
        TermEvent::FocusLost => Some(Event::Focus(false)),
        TermEvent::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollUp => Some(Event::Scroll(1)),
            MouseEventKind::ScrollDown => Some(Event::Scroll(-1)),
            _ => None,
        },
        _ => None,
    }
}
