//! The flood brake: when the room as a whole outruns a reader, the room
//! slows its senders instead of skipping lines for that reader.
//!
//! A queue that passes half its bound presses the brake; it lets go once
//! the writer has brought it back under a quarter. While the brake is
//! pressed the room takes no new requests: the connections' readers wait
//! on the room's queue, stop reading their sockets, and TCP slows the
//! senders. A reader that stalls for a moment (a busy machine) then
//! catches up and loses nothing. One that stays stuck holds the room for
//! at most [`BRAKE_LIMIT`]; after that the room goes on, the stuck queue is
//! skipped as before, and the write timeout closes it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The longest the room waits for one episode of pressed queues.
pub const BRAKE_LIMIT: Duration = Duration::from_millis(100);

/// Shared by every outbox of a server (it lives in the [`super::Budget`]).
#[derive(Debug, Default)]
pub struct Brake {
    /// How many queues press (read without the lock on every request).
    pressing: AtomicUsize,
    /// The queues that press, by address, and since when.
    pressers: Mutex<Vec<(usize, Instant)>>,
    /// Signalled when a queue lets go.
    released: Notify,
}

impl Brake {
    /// The queue `key` passed half its bound.
    pub(super) fn press(&self, key: usize) {
        self.lock().push((key, Instant::now()));
        self.pressing.fetch_add(1, Ordering::AcqRel);
    }

    /// The queue `key`, which pressed, is back under a quarter (or gone).
    pub(super) fn ease(&self, key: usize) {
        let mut pressers = self.lock();
        if let Some(at) = pressers.iter().position(|&(k, _)| k == key) {
            pressers.swap_remove(at);
            self.pressing.fetch_sub(1, Ordering::AcqRel);
        }
        drop(pressers);
        self.released.notify_one();
    }

    /// Until when the room should hold back, if it should now: while a
    /// queue has pressed for less than [`BRAKE_LIMIT`]. Each queue holds
    /// the room once per time it passes half its bound.
    pub fn holding_until(&self) -> Option<Instant> {
        if self.pressing.load(Ordering::Acquire) == 0 {
            return None;
        }
        let latest = self.lock().iter().map(|&(_, since)| since).max()?;
        let until = latest + BRAKE_LIMIT;
        (until > Instant::now()).then_some(until)
    }

    /// Ready when a queue lets go (or spuriously: the caller asks
    /// [`Brake::holding_until`] again).
    pub async fn released(&self) {
        self.released.notified().await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(usize, Instant)>> {
        self.pressers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn holds_while_pressed_and_at_most_the_limit() {
        let brake = Brake::default();
        assert_eq!(brake.holding_until(), None);
        brake.press(1);
        brake.press(2);
        let until = brake.holding_until().expect("holding");
        assert_eq!(until, Instant::now() + BRAKE_LIMIT);
        brake.ease(1);
        assert!(brake.holding_until().is_some(), "one queue still presses");
        brake.ease(2);
        assert_eq!(brake.holding_until(), None);
        brake.released().await;
        // A queue that stays stuck holds the room for the limit only...
        brake.press(1);
        tokio::time::advance(BRAKE_LIMIT).await;
        assert_eq!(brake.holding_until(), None, "its hold is over");
        // ...and another that falls behind later holds it again.
        brake.press(2);
        assert!(brake.holding_until().is_some());
        tokio::time::advance(BRAKE_LIMIT).await;
        assert_eq!(brake.holding_until(), None);
    }
}
