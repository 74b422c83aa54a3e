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

pub mod app;
pub mod classify;
pub mod clock;
pub mod event;
pub mod input;
pub mod link;
pub mod net;
pub mod outbox;
pub mod scrollback;
pub mod signals;
pub mod terminal;
pub mod tls;
pub mod ui;
pub mod update;
pub mod wrap;

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
use self::event::{Effect, Event, NetEvent};
use self::net::Request;
use self::signals::Signals;
use self::terminal::TerminalGuard;

/// Events queued between the socket task and the loop.
const REPORTS: usize = 256;
/// Lines queued from the loop to the socket task. Small: lines that wait
/// longer wait in the app's outbox, where Esc can still stop them.
const REQUESTS: usize = 16;

/// What `chatty join` is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// The server to join.
    pub addr: ServerAddr,
    /// The name to join with (valid by the protocol's rules).
    pub name: Name,
    /// Ring the bell on mentions and private messages.
    pub bell: bool,
    /// How long to wait for `-- you are` before taking the server for one
    /// that does not speak chatty (plain mode).
    pub join_wait: Duration,
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
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        anyhow::bail!("chatty join needs a terminal: run it in one, with stdin and stdout on it");
    }
    let mut app = App::new(options.addr.socket, options.name.to_string());
    app.bell = options.bell;
    app.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    app.clock = Clock::now(offset);
    let signals = Signals::catch().context("cannot catch signals")?;
    let (requests, requests_rx) = mpsc::channel(REQUESTS);
    let (reports_tx, reports) = mpsc::channel(REPORTS);
    let link = net::Link {
        connector,
        join_wait: options.join_wait,
    };
    tokio::spawn(net::run(link, requests_rx, reports_tx));
    let guard = TerminalGuard::enter().context("cannot set up the terminal")?;
    let size = guard.terminal.size()?;
    app.size = (size.width, size.height);
    let effects = update::start(&app);
    let mut looper = Loop {
        app,
        guard,
        signals,
        requests,
        reports,
        offset,
    };
    looper.run(effects).await
}

/// The running client: the model, the terminal and the socket task's ends.
struct Loop {
    app: App,
    guard: TerminalGuard,
    signals: Signals,
    requests: mpsc::Sender<Request>,
    reports: mpsc::Receiver<NetEvent>,
    offset: i32,
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
        loop {
            let app = &self.app;
            self.guard.draw(|frame| {
                ui::draw(app, frame);
                ui::cursor(app, frame.area())
            })?;
            let wants_slot = self.app.wants_send_slot();
            let event = tokio::select! {
                biased;
                signal = self.signals.next() => Some(Event::Signal(signal)),
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
            self.app.clock = Clock::now(self.offset);
            let effects = update::update(&mut self.app, event);
            if let Flow::End(ending) = self.perform(effects).await? {
                return Ok(ending);
            }
        }
    }

    async fn perform(&mut self, effects: Vec<Effect>) -> anyhow::Result<Flow> {
        for effect in effects {
            match effect {
                Effect::Send(line) => self.request(Request::Send(line)).await?,
                Effect::Connect { name, attempt } => {
                    self.request(Request::Connect { name, attempt }).await?;
                }
                Effect::Bell => self.guard.bell()?,
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
        TermEvent::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollUp => Some(Event::Scroll(1)),
            MouseEventKind::ScrollDown => Some(Event::Scroll(-1)),
            _ => None,
        },
        _ => None,
    }
}
