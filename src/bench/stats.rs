//! What the clients count, and what each received line changes in it.
//!
//! All clients run on one thread and share one [`Stats`]; a client
//! borrows it once per read, not once per line.

use hdrhistogram::Histogram;

use super::payload::{Format, Seen, Stamp};

/// Highest latency the histograms hold, in microseconds (longer ones are
/// recorded as this).
const MAX_LATENCY_US: u64 = 60_000_000;

/// The measured window, in microseconds since the bench started.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub start: u64,
    pub end: u64,
    /// Start of the last third of the window.
    pub last_third: u64,
}

impl Window {
    /// Before sending starts: nothing is in the window.
    pub const NOT_YET: Window = Window {
        start: u64::MAX,
        end: u64::MAX,
        last_third: u64::MAX,
    };

    pub fn contains(&self, us: u64) -> bool {
        self.start <= us && us < self.end
    }

    pub fn in_last_third(&self, us: u64) -> bool {
        self.last_third <= us && us < self.end
    }
}

/// Counters shared by every client.
#[derive(Debug)]
pub struct Stats {
    pub connected: usize,
    pub slow_connected: usize,
    /// The first connection failure; it ends the bench.
    pub connect_error: Option<String>,
    /// Bench lines received by the reading clients.
    pub delivered: u64,
    /// Of those, received inside the window.
    pub delivered_in_window: u64,
    /// Bench lines stamped in the window's last third and received.
    pub delivered_last_third: u64,
    /// Latency of lines stamped inside the window.
    pub latency: Histogram<u64>,
    pub latency_last_third: Histogram<u64>,
    /// Lines a receiver never saw from a sender before a later one arrived.
    pub gaps: u64,
    /// Lines that arrived after a later line of the same sender.
    pub reorders: u64,
    pub skipped_notices: u64,
    pub skipped_lines: u64,
    pub other_lines: u64,
    /// Every line received, bench lines or not.
    pub lines: u64,
    pub eofs: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// When any client last received anything.
    pub last_rx_us: u64,
    /// When any client last received a bench line.
    pub last_delivery_us: u64,
    /// Bench lines sent (handed to the socket buffer), in all and stamped
    /// inside the window or its last third.
    pub sent: u64,
    pub sent_in_window: u64,
    pub sent_last_third: u64,
    pub slow: SlowReaders,
    pub progress: Progress,
}

/// With --rate 0: how far every receiver has got in each sender's lines,
/// so a sender keeps at most --in-flight lines that some receiver has not
/// seen (or passed, when the server skipped it) yet. Bounding by the
/// slowest receiver, not by the sender's own echo, measures throughput
/// without letting any client's queue grow.
#[derive(Debug, Default)]
pub struct Progress {
    receivers: u64,
    /// Per sender, a ring over its next lines: how many receivers have
    /// passed each.
    passed: Vec<Vec<u64>>,
    /// Per sender: every receiver has passed every line up to this one.
    done: Vec<u64>,
    /// The --in-flight bound, in lines.
    in_flight_bound: u64,
    /// With --outstanding: the bound on deliveries out per sender.
    outstanding: Option<u64>,
    /// Per sender: lines sent so far, and lines received (or passed) by
    /// all receivers together.
    sent: Vec<u64>,
    received: Vec<u64>,
}

impl Progress {
    /// For `senders` senders with at most `in_flight` lines out each.
    /// With `outstanding`, the bound is on deliveries out instead.
    pub fn new(senders: usize, in_flight: usize, outstanding: Option<u64>) -> Progress {
        Progress {
            receivers: 0,
            passed: vec![vec![0; in_flight + 1]; senders],
            done: vec![0; senders],
            in_flight_bound: in_flight as u64,
            outstanding,
            sent: vec![0; senders],
            received: vec![0; senders],
        }
    }

    /// Whether `sender`, having sent `sent` lines, may send one more.
    pub fn may_send(&mut self, sender: usize, sent: u64) -> bool {
        match self.outstanding {
            Some(bound) => {
                if let Some(count) = self.sent.get_mut(sender) {
                    *count = sent;
                }
                self.deliveries_out(sender) + self.receivers <= bound.max(self.receivers)
            }
            None => self.in_flight(sender, sent) < self.in_flight_bound,
        }
    }

    /// Deliveries of `sender`'s lines not yet received by some receiver.
    fn deliveries_out(&self, sender: usize) -> u64 {
        let sent = self.sent.get(sender).copied().unwrap_or(0);
        let received = self.received.get(sender).copied().unwrap_or(0);
        (sent * self.receivers).saturating_sub(received)
    }

    /// How many clients read (set before anyone sends).
    pub fn set_receivers(&mut self, receivers: usize) {
        self.receivers = receivers as u64;
    }

    /// A receiver's last line from `sender` went from `from` to `to`.
    /// True when the oldest line in flight became seen by everyone.
    fn advance(&mut self, sender: usize, from: u64, to: u64) -> bool {
        if let Some(bound) = self.outstanding {
            if sender >= self.received.len() {
                return false;
            }
            let before = self.deliveries_out(sender);
            self.received[sender] += to.saturating_sub(from);
            let after = self.deliveries_out(sender);
            // Room for a line again: wake the sender once.
            let room = bound.max(self.receivers);
            return after + self.receivers <= room && before + self.receivers > room;
        }
        let (Some(passed), Some(&done)) = (self.passed.get_mut(sender), self.done.get(sender))
        else {
            return false;
        };
        let ring = passed.len() as u64;
        let (start, end) = ((from + 1).max(done + 1), to.min(done + ring - 1));
        for seq in start..=end {
            passed[(seq % ring) as usize] += 1;
        }
        start == done + 1 && start <= end && passed[(start % ring) as usize] >= self.receivers
    }

    /// Lines of `sender` (of the `sent` so far) not yet seen by everyone.
    pub fn in_flight(&mut self, sender: usize, sent: u64) -> u64 {
        let (Some(passed), Some(done)) = (self.passed.get_mut(sender), self.done.get_mut(sender))
        else {
            return 0;
        };
        let ring = passed.len() as u64;
        while *done < sent && passed[((*done + 1) % ring) as usize] >= self.receivers {
            passed[((*done + 1) % ring) as usize] = 0;
            *done += 1;
        }
        sent - *done
    }
}

/// What became of the clients that never read.
#[derive(Debug, Default)]
pub struct SlowReaders {
    /// The server closed or reset the connection.
    pub disconnected: usize,
    pub skipped_notices: u64,
    /// Bytes found waiting in their sockets at the end.
    pub bytes: u64,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            connected: 0,
            slow_connected: 0,
            connect_error: None,
            delivered: 0,
            delivered_in_window: 0,
            delivered_last_third: 0,
            latency: histogram(),
            latency_last_third: histogram(),
            gaps: 0,
            reorders: 0,
            skipped_notices: 0,
            skipped_lines: 0,
            other_lines: 0,
            lines: 0,
            eofs: 0,
            errors: 0,
            first_error: None,
            last_rx_us: 0,
            last_delivery_us: 0,
            sent: 0,
            sent_in_window: 0,
            sent_last_third: 0,
            slow: SlowReaders::default(),
            progress: Progress::default(),
        }
    }
}

impl Stats {
    /// Counts an error, keeping the first one's text for the report.
    pub fn error(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }

    /// Counts a line handed to the socket.
    pub fn sent(&mut self, window: &Window, stamp_us: u64) {
        self.sent += 1;
        if window.contains(stamp_us) {
            self.sent_in_window += 1;
        }
        if window.in_last_third(stamp_us) {
            self.sent_last_third += 1;
        }
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)
        .expect("constant bounds that hdrhistogram accepts")
}

/// One reading client's view: the last sequence number seen per sender.
#[derive(Debug)]
pub struct Tracker {
    last_seq: Vec<u64>,
}

impl Tracker {
    pub fn new(senders: usize) -> Tracker {
        Tracker {
            last_seq: vec![0; senders],
        }
    }

    /// Counts one received line (without its newline) at `now_us`.
    /// Returns the sender whose oldest line in flight everyone has now
    /// seen (so it may send again), if any.
    pub fn line(
        &mut self,
        line: &[u8],
        now_us: u64,
        format: &Format,
        window: &Window,
        stats: &mut Stats,
    ) -> Option<usize> {
        stats.lines += 1;
        match format.scan(line) {
            Seen::Stamp(stamp) if stamp.sender < self.last_seq.len() => {
                return self.delivery(stamp, now_us, window, stats);
            }
            Seen::Skipped(lines) => {
                stats.skipped_notices += 1;
                stats.skipped_lines += lines;
            }
            Seen::Stamp(_) | Seen::Other => stats.other_lines += 1,
        }
        None
    }

    fn delivery(
        &mut self,
        stamp: Stamp,
        now_us: u64,
        window: &Window,
        stats: &mut Stats,
    ) -> Option<usize> {
        stats.delivered += 1;
        stats.last_delivery_us = now_us;
        if window.contains(now_us) {
            stats.delivered_in_window += 1;
        }
        let latency = now_us
            .saturating_sub(stamp.sent_us)
            .clamp(1, MAX_LATENCY_US);
        if window.contains(stamp.sent_us) {
            stats.latency.saturating_record(latency);
        }
        if window.in_last_third(stamp.sent_us) {
            stats.delivered_last_third += 1;
            stats.latency_last_third.saturating_record(latency);
        }
        let last = &mut self.last_seq[stamp.sender];
        if stamp.seq <= *last {
            stats.reorders += 1;
            return None;
        }
        stats.gaps += stamp.seq - *last - 1;
        let from = std::mem::replace(last, stamp.seq);
        stats
            .progress
            .advance(stamp.sender, from, stamp.seq)
            .then_some(stamp.sender)
    }
}

#[cfg(test)]
mod tests;
