//! Tests of the bench's counting: in-flight and outstanding bounds, gaps, reorders.

use super::*;

#[test]
fn in_flight_counts_lines_not_yet_seen_by_every_receiver() {
    let mut progress = Progress::new(1, 4, None);
    progress.set_receivers(2);
    assert_eq!(progress.in_flight(0, 3), 3);
    assert!(!progress.advance(0, 0, 2), "one receiver saw lines 1 and 2");
    assert_eq!(progress.in_flight(0, 3), 3);
    assert!(
        progress.advance(0, 0, 1),
        "the other saw line 1: everyone has"
    );
    assert_eq!(progress.in_flight(0, 3), 2);
    assert!(progress.advance(0, 1, 3), "a skip passes line 2 too");
    assert_eq!(progress.in_flight(0, 3), 1);
    assert!(progress.advance(0, 2, 3));
    assert_eq!(progress.in_flight(0, 3), 0);
}

#[test]
fn outstanding_bounds_deliveries_summed_over_receivers() {
    // Two receivers, at most 6 deliveries out: 3 lines when both lag.
    let mut progress = Progress::new(1, 64, Some(6));
    progress.set_receivers(2);
    assert!(progress.may_send(0, 0));
    assert!(progress.may_send(0, 2));
    assert!(!progress.may_send(0, 3), "3 lines x 2 receivers out");
    assert!(!progress.advance(0, 0, 1), "5 out: still no room");
    assert!(progress.advance(0, 0, 2), "3 out: room, wake once");
    assert!(!progress.advance(0, 1, 3), "1 out: awake already");
    // 5 of 6 received: sending line 4 leaves 3 out, line 5 would be 7.
    assert!(progress.may_send(0, 3));
    assert!(progress.may_send(0, 4));
    assert!(!progress.may_send(0, 5));
}

fn receive(tracker: &mut Tracker, stats: &mut Stats, sender: usize, seq: u64) {
    let format = Format::new(1, 40);
    let mut line = b"bob: ".to_vec();
    format.write(
        &mut line,
        Stamp {
            sender,
            seq,
            sent_us: 10,
        },
    );
    line.pop();
    let window = Window {
        start: 0,
        end: 100,
        last_third: 50,
    };
    tracker.line(&line, 30, &format, &window, stats);
}

#[test]
fn counts_gaps_and_reorders_per_sender() {
    let mut stats = Stats::default();
    let mut tracker = Tracker::new(2);
    for (sender, seq) in [(0, 1), (1, 1), (0, 2), (0, 5), (0, 4), (1, 2)] {
        receive(&mut tracker, &mut stats, sender, seq);
    }
    assert_eq!(stats.delivered, 6);
    assert_eq!(stats.gaps, 2);
    assert_eq!(stats.reorders, 1);
    assert_eq!(stats.latency.len(), 6);
    assert_eq!(stats.latency.max(), 20);
}

#[test]
fn unknown_senders_and_notices() {
    let mut stats = Stats::default();
    let mut tracker = Tracker::new(1);
    receive(&mut tracker, &mut stats, 5, 1);
    let format = Format::new(1, 40);
    tracker.line(
        b"-- 3 messages skipped",
        1,
        &format,
        &Window::NOT_YET,
        &mut stats,
    );
    assert_eq!((stats.delivered, stats.other_lines), (0, 1));
    assert_eq!((stats.skipped_notices, stats.skipped_lines), (1, 3));
}
