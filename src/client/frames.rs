//! When to draw: after something changed, but for lines from the network
//! at most once per frame interval. A flood of lines then costs one frame
//! per interval instead of one per line; what the person does (a key, a
//! paste, a resize) is drawn at once, flood or not.

use std::time::Duration;

use tokio::time::Instant;

/// The shortest time between two frames (60 per second).
pub const FRAME: Duration = Duration::from_micros(16_667);

/// The frame clock of the loop.
#[derive(Debug)]
pub struct Frames {
    /// Something changed since the last frame.
    dirty: bool,
    /// No frame before this.
    next: Instant,
}

impl Default for Frames {
    /// The first frame is due at once.
    fn default() -> Frames {
        Frames {
            dirty: true,
            next: Instant::now(),
        }
    }
}

impl Frames {
    /// The model changed: a frame is wanted.
    pub fn changed(&mut self) {
        self.dirty = true;
    }

    /// The person did something: draw it now, whatever the interval.
    pub fn urgent(&mut self) {
        self.dirty = true;
        self.next = Instant::now();
    }

    /// Whether to draw now.
    pub fn due(&self) -> bool {
        self.dirty && Instant::now() >= self.next
    }

    pub fn drawn(&mut self) {
        self.dirty = false;
        self.next = Instant::now() + FRAME;
    }

    /// Whether a frame is wanted but not due yet: the loop waits for it
    /// (see [`Frames::wait`]) as well as for events.
    pub fn waiting(&self) -> bool {
        self.dirty
    }

    /// Ready when the wanted frame is due.
    pub async fn wait(&self) {
        tokio::time::sleep_until(self.next).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn changes_within_a_frame_make_one_frame() {
        let mut frames = Frames::default();
        assert!(frames.due(), "the first frame at once");
        frames.drawn();
        assert!(!frames.due() && !frames.waiting(), "nothing changed");
        for _ in 0..1000 {
            frames.changed();
            assert!(!frames.due(), "not before the interval");
        }
        assert!(frames.waiting());
        frames.wait().await;
        assert!(frames.due(), "one frame, at the interval");
        frames.drawn();
        tokio::time::advance(FRAME * 3).await;
        assert!(!frames.due(), "idle: no frame");
        frames.changed();
        assert!(frames.due(), "a change after a quiet spell draws at once");
        frames.drawn();
        frames.changed();
        assert!(!frames.due());
        frames.urgent();
        assert!(frames.due(), "a key does not wait for the interval");
    }
}
