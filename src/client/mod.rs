//! `chatty join`: the terminal client.
//!
//! Built in the Elm shape: [`app::App`] is the model, [`event::Event`] what
//! happens, [`update::update`] the pure rules returning [`event::Effect`]s,
//! [`ui::draw`] the pure view. This module is the thin loop around them: it
//! reads terminal and socket events, performs effects, and draws after each
//! event. [`net`] owns the socket, opened by [`link`] (plain TCP or TLS,
//! whose certificates [`tls`] checks); [`terminal`] restores the terminal on
//! every exit path; [`scrollback`] keeps the bounded history with each
//! line's wrapped row count, so scrolling stays cheap.

pub mod app;
pub mod classify;
pub mod clock;
pub mod event;
pub mod input;
pub mod link;
pub mod net;
pub mod scrollback;
pub mod terminal;
pub mod tls;
pub mod ui;
pub mod update;
pub mod wrap;

use anyhow::Context;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::cli::JoinArgs;

use self::app::App;
use self::clock::Clock;
pub use self::clock::local_offset;
use self::event::{Effect, Event, NetEvent};
use self::net::Request;
use self::terminal::TerminalGuard;

/// Events queued between the socket task and the loop.
const REPORTS: usize = 256;
/// Lines queued from the loop to the socket task (a big paste fits).
const REQUESTS: usize = 1024;

/// Runs the client until the person quits. `offset` is the local UTC offset
/// in seconds, read before the runtime started.
pub async fn run(args: JoinArgs, offset: i32) -> anyhow::Result<()> {
    // Before the screen is taken: this may ask whether to trust the server.
    let connector = match args.tls {
        true => tls::prepare(&args.addr, args.tls_ca.as_deref()).await?,
        false => link::Connector::from(args.addr.socket),
    };
    let mut app = App::new(args.addr.socket, args.name);
    app.bell = args.bell;
    app.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    app.clock = Clock::now(offset);
    let (requests, requests_rx) = mpsc::channel(REQUESTS);
    let (reports_tx, reports) = mpsc::channel(REPORTS);
    tokio::spawn(net::run(connector, requests_rx, reports_tx));
    let guard = TerminalGuard::enter().context("cannot set up the terminal")?;
    let size = guard.terminal.size()?;
    app.size = (size.width, size.height);
    let effects = update::start(&app);
    let mut looper = Loop {
        app,
        guard,
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
    requests: mpsc::Sender<Request>,
    reports: mpsc::Receiver<NetEvent>,
    offset: i32,
}

/// Whether the loop goes on after an effect.
enum Flow {
    Continue,
    Exit,
}

impl Loop {
    async fn run(&mut self, first: Vec<Effect>) -> anyhow::Result<()> {
        let mut terminal_events = EventStream::new();
        if let Flow::Exit = self.perform(first).await? {
            return Ok(());
        }
        loop {
            let app = &self.app;
            self.guard.draw(|frame| {
                ui::draw(app, frame);
                ui::cursor(app, frame.area())
            })?;
            let event = tokio::select! {
                biased;
                next = terminal_events.next() => match next {
                    Some(event) => from_terminal(event?),
                    None => return Ok(()),
                },
                report = self.reports.recv() => match report {
                    Some(report) => Some(Event::Net(report)),
                    None => anyhow::bail!("the connection task stopped"),
                },
            };
            let Some(event) = event else { continue };
            self.app.clock = Clock::now(self.offset);
            let effects = update::update(&mut self.app, event);
            if let Flow::Exit = self.perform(effects).await? {
                return Ok(());
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
                Effect::Exit => return Ok(Flow::Exit),
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
