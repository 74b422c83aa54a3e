//! The client's state model: everything the screen shows and everything
//! `update` needs to decide what happens next. No I/O lives here.

use std::net::SocketAddr;

use crate::protocol::{ByeReason, ServerLine};

use super::clock::Clock;
use super::input::{Completion, History, LineEditor};
use super::outbox::Outbox;
use super::prefs::Prefs;
use super::quiet::QuietJoins;
#[cfg(test)]
pub(crate) use super::scrollback::SCROLLBACK_LINES;
use super::scrollback::Scrollback;
use super::search::Search;
use super::session::Session;
pub(crate) use super::users::Users;

/// Where the connection stands; the status bar shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// A connection attempt is under way.
    Connecting,
    /// Connected, name sent, waiting for `-- you are NAME`.
    Joining,
    /// The server refused the name; the input line asks for another.
    ChoosingName,
    /// In the room.
    Joined,
    /// `/quit` sent; waiting for the server's bye.
    Quitting,
    /// Waiting before the next connection attempt.
    Reconnecting { in_secs: u64 },
    /// Disconnected with no automatic retry; Enter connects again.
    Offline { reason: String },
    /// Connected to a server that does not speak chatty: lines go out as
    /// typed and come in as notices.
    Plain,
}

/// What a scrollback line holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// A line from the server, sanitized and classified.
    Server(ServerLine),
    /// A note from this client itself (connection state, local errors).
    Note(String),
    /// The line between two local days: the entry's clock says which day.
    Day,
    /// The read marker (`── new ──`): the lines after it came while the
    /// terminal had no focus or the view was scrolled away. Only the
    /// `live` one is drawn; an older one stays, hidden, so that no line
    /// moves in the scrollback.
    ReadMarker { live: bool },
}

/// One line of the scrollback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub clock: Clock,
    pub body: Body,
    /// Replayed from the room's history on joining.
    pub history: bool,
    /// `clock` is when the room ordered the line (its `time` tag), not
    /// when it arrived.
    pub said: bool,
    /// An arrival, leave or rename of someone quiet in a busy room:
    /// hidden while quiet joins are hidden.
    pub quiet: bool,
}

/// The whole client state.
#[derive(Clone, Debug)]
pub struct App {
    /// Server address, shown in the status bar.
    pub addr: SocketAddr,
    /// The name we are (or want to be) known by; rejoins use it.
    pub name: String,
    pub link: Link,
    /// Failed connection attempts in a row (drives the backoff).
    pub attempt: u32,
    /// Why the last connection attempt failed; repeats are not noted again.
    pub last_failure: Option<String>,
    /// The bye reason the server gave on the current connection.
    pub bye: Option<ByeReason>,
    /// Inside `-- history (N)` ... `-- end of history`.
    pub in_history: bool,
    pub users: Users,
    pub entries: Scrollback,
    /// Rows the view is scrolled up from the newest line (0 = live).
    pub scroll: usize,
    /// Lines that arrived below the view while scrolled up.
    pub unseen: usize,
    pub input: LineEditor,
    pub history: History,
    pub completion: Option<Completion>,
    /// Lines waiting to be sent, each a line of its own.
    pub outbox: Outbox,
    /// A long paste waiting for Enter (send) or Esc (drop).
    pub paste: Option<Vec<String>>,
    /// The text the last kill (Ctrl-K, Ctrl-U, Ctrl-W, Alt-D) removed;
    /// Ctrl-Y puts it back.
    pub kill: String,
    /// The last line sent, given back if the server refuses it as too long.
    pub last_sent: Option<String>,
    /// Terminal size in cells (width, height).
    pub size: (u16, u16),
    /// The local time the loop last read; stamps new lines.
    pub clock: Clock,
    /// `NO_COLOR` is set: style by modifiers only.
    pub no_color: bool,
    /// Notifications and looks, from the flags and the config file.
    pub prefs: Prefs,
    /// A search in progress (Ctrl-F, `/search`).
    pub search: Option<Search>,
    /// Who spoke lately, and whether quiet joins are hidden.
    pub quiet: QuietJoins,
    /// Whether the terminal has focus; `None` until it reports focus.
    pub focused: Option<bool>,
    /// The seat in the numbered room: token and the newest line shown.
    pub session: Session,
    /// We are away (`/away`), as the room last said.
    pub away: bool,
    /// The terminal lost focus or the view was scrolled away: the next
    /// line goes after a new read marker.
    pub mark_pending: bool,
    /// The id of the live read marker, if any.
    pub read_marker: Option<u64>,
}

impl Default for App {
    fn default() -> Self {
        App::new(SocketAddr::from(([127, 0, 0, 1], 8000)), "alice".to_owned())
    }
}

impl App {
    pub fn new(addr: SocketAddr, name: String) -> App {
        App {
            addr,
            name,
            link: Link::Connecting,
            attempt: 0,
            last_failure: None,
            bye: None,
            in_history: false,
            users: Users::default(),
            entries: Scrollback::default(),
            scroll: 0,
            unseen: 0,
            input: LineEditor::default(),
            history: History::default(),
            completion: None,
            outbox: Outbox::default(),
            paste: None,
            kill: String::new(),
            last_sent: None,
            size: (80, 24),
            clock: Clock::default(),
            no_color: false,
            prefs: Prefs::default(),
            search: None,
            quiet: QuietJoins::default(),
            focused: None,
            session: Session::default(),
            away: false,
            mark_pending: false,
            read_marker: None,
        }
    }

    /// Appends a line, dropping the oldest past [`SCROLLBACK_LINES`]; a
    /// day line goes first when the local day has changed since the last.
    pub fn push(&mut self, body: Body) {
        self.push_at(body, None);
    }

    /// Appends a line said at `said` (a room line's own time), or now.
    pub fn push_at(&mut self, body: Body, said: Option<Clock>) {
        // The marker waits for a line from the room; notes do not take it.
        if self.mark_pending && matches!(body, Body::Server(_)) {
            self.mark_pending = false;
            self.read_marker = Some(self.entries.next_id());
            self.push_plain(Body::ReadMarker { live: true }, self.clock);
        }
        let clock = said.unwrap_or(self.clock);
        if self
            .entries
            .back()
            .is_some_and(|last| last.clock.day() != clock.day())
        {
            self.push_plain(Body::Day, clock);
        }
        let quiet = self.quiet.hides(&body, self.users.len(), self.clock.unix);
        self.quiet.saw(&body, self.clock.unix);
        let entry = Entry {
            clock,
            body,
            history: self.in_history,
            said: said.is_some(),
            quiet,
        };
        self.entries.push(entry);
    }

    /// Moves the read marker: the old one goes, a new one will stand
    /// before the next line from the server.
    pub fn mark_read(&mut self) {
        if self.mark_pending {
            return;
        }
        self.mark_pending = true;
        if let Some(old) = self.read_marker.take() {
            self.entries.retire_marker(old);
        }
    }

    fn push_plain(&mut self, body: Body, clock: Clock) {
        self.entries.push(Entry {
            clock,
            body,
            history: false,
            said: false,
            quiet: false,
        });
    }

    /// Whether the loop should hand the socket task a waiting line.
    pub fn wants_send_slot(&self) -> bool {
        matches!(self.link, Link::Joined | Link::Plain)
            && self.paste.is_none()
            && !self.outbox.is_empty()
    }

    /// Appends a client note.
    pub fn note(&mut self, text: impl Into<String>) {
        self.push(Body::Note(text.into()));
    }
}
