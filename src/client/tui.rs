//! The full-screen client's loop: terminal and socket events in, effects
//! out, a frame when [`super::frames`] says.

use std::io::IsTerminal;

use anyhow::Context;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;

use super::app::App;
use super::clock::Clock;
use super::event::{Effect, Event, NetEvent, QUIT_WAIT};
use super::frames::Frames;
use super::logfile::LogFile;
use super::net::{self, Request};
use super::notify::{self, Way};
use super::signals::Signals;
use super::terminal::TerminalGuard;
use super::{Ending, Options, REPORTS, REQUESTS, link, links, osc8, plain, prefs, ui, update};

/// OSC 8 links when the config file does not turn them off and the
/// terminal is not one that would print them.
fn hyperlinks_on(prefs: &prefs::Prefs) -> bool {
    prefs.hyperlinks && osc8::supported(std::env::var("TERM").ok().as_deref())
}

pub(super) async fn run(
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
