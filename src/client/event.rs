//! What can happen to the client (`Event`) and what `update` asks the loop
//! to do about it (`Effect`).

use crossterm::event::KeyEvent;

/// One input to `update`.
///
/// There is no timer tick: nothing on screen moves with time alone. The
/// reconnect countdown comes from the socket task, which owns the backoff
/// wait and reports [`NetEvent::RetryIn`] each second, and times are read
/// when a line arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A key press (the loop drops repeats and releases).
    Key(KeyEvent),
    /// A bracketed paste.
    Paste(String),
    /// The terminal's new size in cells.
    Resize(u16, u16),
    /// Mouse wheel: positive scrolls up (back in time), negative down.
    Scroll(i32),
    /// The socket task has room for another line (asked for only while
    /// lines wait and can go).
    SendSlot,
    /// A signal from outside the terminal.
    Signal(Signal),
    /// The terminal gained (`true`) or lost focus (reported only by
    /// terminals that support focus events).
    Focus(bool),
    /// Something from the socket task.
    Net(NetEvent),
}

/// The signals the client leaves on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Terminate,
    Hangup,
    Interrupt,
    Quit,
}

/// What the socket task reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetEvent {
    /// Trying to connect now.
    Connecting,
    /// Connected; the name has been sent.
    Connected,
    /// A line from the server, exactly as received (not yet sanitized).
    Line(String),
    /// The connection ended (EOF or an I/O error, described).
    Closed(String),
    /// The attempt failed; the description says why.
    ConnectFailed(String),
    /// The server's TLS certificate is not one to trust (changed since it
    /// was pinned, or unknown): retrying would only fail again.
    Untrusted(String),
    /// Waiting before the next attempt: seconds left, counted down.
    RetryIn(u64),
    /// The server sent a line longer than the client accepts; dropped.
    TooLong,
    /// The wait for `-- you are` on this connection is over (reported
    /// once per connection, whatever arrived; `update` decides).
    JoinWaitOver,
}

/// How long a quit waits for the server's bye.
pub const QUIT_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// What `update` asks the loop to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Send one line to the server.
    Send(String),
    /// Connect (after the backoff for `attempt`; 0 = at once) and log in.
    Connect {
        login: crate::client::net::Login,
        attempt: u32,
    },
    /// `/quit` has been sent: leave when the bye comes, or after
    /// [`QUIT_WAIT`] without it.
    QuitSoon,
    /// Notify the person of this line (a desktop notification where the
    /// terminal shows them, else the bell).
    Notify(String),
    /// Open this URL with the system opener.
    Open(String),
    /// Clear the terminal and draw everything again (Ctrl-L).
    Redraw,
    /// Leave the program with status 0.
    Exit,
    /// Leave the program as after SIGQUIT (status 131).
    Abort,
    /// Give the terminal back and stop (Ctrl-Z); redraw on `fg`.
    Suspend,
}
