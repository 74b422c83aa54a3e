//! Signals from outside the terminal (`kill`, a closed window, a logout):
//! the loop turns each into an [`Event::Signal`](super::event::Event), so
//! the terminal is restored on the way out instead of left in raw mode.
//! Ctrl-Z is a key in raw mode; [`suspend`] stops the process for it.

use std::io;

use tokio::signal::unix::{Signal as Stream, SignalKind, signal};

use super::event::Signal;

/// The streams of SIGTERM, SIGHUP, SIGINT and SIGQUIT.
pub struct Signals {
    terminate: Stream,
    hangup: Stream,
    interrupt: Stream,
    quit: Stream,
}

impl Signals {
    /// Starts catching the signals (their default action stops applying).
    pub fn catch() -> io::Result<Signals> {
        Ok(Signals {
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
            interrupt: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
        })
    }

    /// The next signal caught. Cancel-safe.
    pub async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.terminate.recv() => Signal::Terminate,
            _ = self.hangup.recv() => Signal::Hangup,
            _ = self.interrupt.recv() => Signal::Interrupt,
            _ = self.quit.recv() => Signal::Quit,
        }
    }
}

/// Stops the process as the shell's job control expects (SIGTSTP); returns
/// once it is continued (`fg`).
pub fn suspend() -> io::Result<()> {
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)
}
