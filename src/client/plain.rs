//! `chatty join --plain`: the same client without the full-screen UI, for
//! screen readers, dumb terminals and scripts. Each line read on standard
//! input is entered as if typed and Enter pressed; each line shown is
//! printed as one line of text with its local time: server lines on
//! standard output, the client's own notes on standard error. No escape
//! codes at all: every line is sanitized as the screen's are.
//!
//! It runs the same socket task and the same `update` as the full-screen
//! client, so reconnecting, waiting lines and every rule are the same.
//! `/quit` or the end of input leaves (status 0) once the lines typed
//! before have gone; if they cannot go (no server, a refused name) the
//! end of input is an error naming how many were lost.

use std::io::Read;

use anyhow::Context;
use bytes::BytesMut;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio_util::codec::Decoder;

use crate::protocol::{Command, Frame, LineCodec, sanitize};

use super::app::{App, Body, Link};
use super::clock::Clock;
use super::event::{Effect, Event, QUIT_WAIT};
use super::link::Connector;
use super::logfile::LogFile;
use super::net::{self, Request};
use super::signals::Signals;
use super::{Ending, Options, REPORTS, REQUESTS, text, update};

/// Longest input line; a longer one is dropped with a note.
const MAX_INPUT_BYTES: usize = 64 * 1024;
/// Input lines read ahead of the loop.
const INPUT_LINES: usize = 64;

/// What the input thread hands the loop.
enum Input {
    Line(String),
    TooLong,
}

/// Runs plain mode until `/quit`, the end of input or a signal.
pub async fn run(
    options: &Options,
    mut app: App,
    offset: i32,
    mut log: Option<LogFile>,
    connector: Connector,
) -> anyhow::Result<Ending> {
    let mut signals = Signals::catch().context("cannot catch signals")?;
    let (requests, requests_rx) = mpsc::channel(REQUESTS);
    let (reports_tx, mut reports) = mpsc::channel(REPORTS);
    let link = net::Link {
        connector,
        join_wait: options.join_wait,
    };
    tokio::spawn(net::run(link, requests_rx, reports_tx));
    let mut input = read_input();
    let mut printer = Printer::default();
    let mut input_open = true;
    // A `/quit` read before the client is in the room: it goes last.
    let mut quit_line = None;
    let mut effects = update::start(&mut app);
    // After `/quit`: leave by then even without the bye.
    let mut quit_by = None;
    loop {
        let ending = perform(&requests, effects, &mut quit_by).await?;
        printer.print_new(&app).await?;
        if let Some(log) = log.as_mut() {
            log.log_new(&app.entries);
        }
        if let Some(ending) = ending {
            if let Some(log) = log.take() {
                log.close();
            }
            return Ok(ending);
        }
        if !input_open && let Some(outcome) = after_input(&mut app, quit_line.as_deref()) {
            effects = outcome?;
            continue;
        }
        let event = tokio::select! {
            biased;
            signal = signals.next() => Event::Signal(signal),
            () = quit_deadline(quit_by) => return Ok(Ending::Quit),
            report = reports.recv() => match report {
                Some(report) => Event::Net(report),
                None => anyhow::bail!("the connection task stopped"),
            },
            slot = requests.reserve(), if app.wants_send_slot() => {
                slot.map(drop).context("the connection task stopped")?;
                Event::SendSlot
            }
            line = input.recv(), if input_open => match line {
                Some(Input::Line(line)) if is_early_quit(&app, &line) => {
                    quit_line = Some(line);
                    input_open = false;
                    effects = Vec::new();
                    continue;
                }
                Some(Input::Line(line)) => enter(&mut app, &line),
                Some(Input::TooLong) => {
                    app.note("that input line is too long; it was not sent");
                    effects = Vec::new();
                    continue;
                }
                None => {
                    input_open = false;
                    effects = Vec::new();
                    continue;
                }
            },
        };
        app.clock = Clock::now(offset);
        effects = update::update(&mut app, event);
    }
}

/// An input line: typed into the input line, then Enter.
fn enter(app: &mut App, line: &str) -> Event {
    app.input.set(line);
    Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

/// A `/quit` while not in the room would leave at once and drop the lines
/// before it; from a script it means "when those have gone".
fn is_early_quit(app: &App, line: &str) -> bool {
    !matches!(app.link, Link::Joined | Link::Plain)
        && matches!(Command::parse(&sanitize(line)), Command::Quit(_))
}

/// Once input has ended: `quit` (or `/quit`) when every line has gone, an
/// error when they never can, else nothing yet (they wait for the room).
fn after_input(app: &mut App, quit: Option<&str>) -> Option<anyhow::Result<Vec<Effect>>> {
    match app.link {
        Link::Joined | Link::Plain if app.outbox.is_empty() && app.paste.is_none() => {
            let event = enter(app, quit.unwrap_or("/quit"));
            Some(Ok(update::update(app, event)))
        }
        Link::Reconnecting { .. } | Link::Offline { .. } | Link::ChoosingName => {
            let unsent = app.outbox.len();
            if unsent == 0 {
                return Some(Ok(vec![Effect::Exit]));
            }
            Some(Err(anyhow::anyhow!(
                "end of input: {unsent} lines were not sent (not in the room)"
            )))
        }
        Link::Connecting | Link::Joining | Link::Joined | Link::Quitting | Link::Plain => None,
    }
}

/// Performs the effects that make sense without a screen.
async fn perform(
    requests: &mpsc::Sender<Request>,
    effects: Vec<Effect>,
    quit_by: &mut Option<tokio::time::Instant>,
) -> anyhow::Result<Option<Ending>> {
    for effect in effects {
        let request = match effect {
            Effect::Send(line) => Request::Send(line),
            Effect::Connect { login, attempt } => Request::Connect { login, attempt },
            Effect::Exit => return Ok(Some(Ending::Quit)),
            Effect::Abort => return Ok(Some(Ending::Abort)),
            Effect::QuitSoon => {
                *quit_by = Some(tokio::time::Instant::now() + QUIT_WAIT);
                continue;
            }
            Effect::Notify(_) | Effect::Open(_) | Effect::Redraw | Effect::Suspend => continue,
        };
        requests
            .send(request)
            .await
            .context("the connection task stopped")?;
    }
    Ok(None)
}

/// Ready at `quit_by`; never without one.
pub(super) async fn quit_deadline(quit_by: Option<tokio::time::Instant>) {
    match quit_by {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Prints each scrollback line once, as it is added.
#[derive(Default)]
struct Printer {
    next: u64,
}

impl Printer {
    async fn print_new(&mut self, app: &App) -> anyhow::Result<()> {
        let mut out = String::new();
        let mut notes = String::new();
        for entry in app.entries.since(self.next) {
            let stamped = format!("{} {}\n", entry.clock, text::plain(entry));
            match entry.body {
                Body::Note(_) => notes.push_str(&stamped),
                Body::Server(_) => out.push_str(&stamped),
                Body::Day => out.push_str(&format!("{}\n", text::plain(entry))),
                Body::ReadMarker { .. } => {}
            }
        }
        self.next = app.entries.next_id();
        write(&mut tokio::io::stdout(), &out).await?;
        write(&mut tokio::io::stderr(), &notes).await
    }
}

async fn write(to: &mut (impl AsyncWriteExt + Unpin), text: &str) -> anyhow::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    to.write_all(text.as_bytes()).await?;
    to.flush().await.context("cannot write the output")
}

/// Reads standard input on a thread of its own (a blocking read that
/// cannot be cancelled must not hold up the exit), in bounded lines.
fn read_input() -> mpsc::Receiver<Input> {
    let (lines, input) = mpsc::channel(INPUT_LINES);
    std::thread::spawn(move || {
        let _ = pump_input(&lines);
    });
    input
}

/// Stops at the end of input, an error, or when the loop is gone.
fn pump_input(lines: &mpsc::Sender<Input>) -> Result<(), ()> {
    let mut codec = LineCodec::new(MAX_INPUT_BYTES);
    let mut buf = BytesMut::with_capacity(8 * 1024);
    let mut chunk = [0u8; 8 * 1024];
    let mut stdin = std::io::stdin().lock();
    loop {
        let read = stdin.read(&mut chunk).map_err(drop)?;
        if read == 0 {
            while let Ok(Some(frame)) = codec.decode_eof(&mut buf) {
                hand_over(lines, frame)?;
            }
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..read]);
        while let Ok(Some(frame)) = codec.decode(&mut buf) {
            hand_over(lines, frame)?;
        }
    }
}

fn hand_over(lines: &mpsc::Sender<Input>, frame: Frame) -> Result<(), ()> {
    let input = match frame {
        Frame::Line(line) => Input::Line(line),
        Frame::TooLong => Input::TooLong,
    };
    lines.blocking_send(input).map_err(drop)
}
