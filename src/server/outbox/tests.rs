//! The outbox's bounds, driven without sockets.

use super::*;

fn line(text: &str) -> Bytes {
    Bytes::from(text.to_owned())
}

/// An outbox with its own bounds only (no global budget).
fn bounded(lines: usize, bytes: usize) -> (Outbox, OutboxReceiver) {
    outbox(lines, bytes, &Budget::unlimited())
}

#[tokio::test]
async fn full_queue_skips_and_counts() {
    let (outbox, mut receiver) = bounded(2, 1000);
    assert_eq!(outbox.push(line("a\n")), Push::Queued);
    assert_eq!(outbox.push(line("b\n")), Push::Queued);
    assert_eq!(outbox.push(line("c\n")), Push::Skipped);
    assert_eq!(outbox.push(line("d\n")), Push::Skipped);
    assert_eq!(receiver.take_skipped(), 0, "lines still wait");
    let mut batch = Vec::new();
    let received = receiver.recv_batch(&mut batch, 10).await;
    assert_eq!(received, Received::Lines(2));
    assert_eq!(receiver.take_skipped(), 2);
    assert_eq!(receiver.take_skipped(), 0);
}

#[tokio::test]
async fn byte_bound_skips_until_written() {
    let (outbox, mut receiver) = bounded(100, 10 + LINE_OVERHEAD);
    assert_eq!(outbox.push(line("12345678\n")), Push::Queued);
    assert_eq!(outbox.push(line("xy\n")), Push::Skipped);
    let mut batch = Vec::new();
    receiver.recv_batch(&mut batch, 10).await;
    assert_eq!(
        outbox.push(line("xy\n")),
        Push::Skipped,
        "held until written"
    );
    receiver.release(9 + LINE_OVERHEAD, 1);
    assert_eq!(
        outbox.push(line("xy\n")),
        Push::Queued,
        "bytes are released"
    );
}

#[tokio::test]
async fn a_line_longer_than_the_byte_bound_fits_an_empty_queue() {
    let (outbox, mut receiver) = bounded(100, 4);
    assert_eq!(outbox.push(line("0123456789\n")), Push::Queued);
    assert_eq!(outbox.push(line("x\n")), Push::Skipped);
    let mut batch = Vec::new();
    let received = receiver.recv_batch(&mut batch, 10).await;
    assert_eq!(received, Received::Lines(1));
}

#[tokio::test]
async fn a_skip_wakes_a_waiting_writer() {
    let (outbox, mut receiver) = bounded(10, 2);
    outbox.push(line("a\n"));
    let mut batch = Vec::new();
    let received = receiver.recv_batch(&mut batch, 10).await;
    assert_eq!(received, Received::Lines(1));
    // The writer still holds "a" (its bytes count) when a skip happens,
    // then waits on an empty queue: the skip must wake it.
    assert_eq!(outbox.push(line("b\n")), Push::Skipped);
    receiver.release(2 + LINE_OVERHEAD, 1);
    let received = receiver.recv_batch(&mut batch, 10).await;
    assert_eq!(received, Received::Lines(0));
    assert_eq!(receiver.take_skipped(), 1);
}

#[tokio::test]
async fn the_bye_always_fits_and_closes() {
    let (outbox, mut receiver) = bounded(1, 1000);
    outbox.push(line("a\n"));
    assert_eq!(outbox.push(line("b\n")), Push::Skipped);
    outbox.push_last(line("-- bye (quit)\n"));
    let mut batch = Vec::new();
    let received = receiver.recv_batch(&mut batch, 10).await;
    assert_eq!(received, Received::Lines(2));
    assert_eq!(batch[1], line("-- bye (quit)\n"));
    let received = receiver.recv_batch(&mut batch, 10).await;
    assert_eq!(received, Received::Closed);
}

#[test]
fn push_to_a_gone_writer_is_closed() {
    let (outbox, receiver) = bounded(4, 1000);
    drop(receiver);
    assert_eq!(outbox.push(line("a\n")), Push::Closed);
}

#[test]
fn a_reply_is_queued_beyond_the_bound_after_the_skipped_count() {
    let (outbox, mut receiver) = bounded(1, 1000);
    outbox.push(line("a\n"));
    assert_eq!(outbox.push(line("b\n")), Push::Skipped);
    assert_eq!(outbox.push_reply(line("-- pong\n")), Push::Queued);
    let queued = receiver.take_queued();
    assert_eq!(
        queued,
        [
            line("a\n"),
            line("-- 1 messages skipped\n"),
            line("-- pong\n")
        ]
    );
    assert_eq!(receiver.take_skipped(), 0, "the count was told already");
}

#[test]
fn replies_that_pile_up_overflow_their_reserve() {
    let (outbox, mut receiver) = bounded(1, 10);
    for _ in 0..RESERVE_MIN_LINES {
        assert_eq!(outbox.push_reply(line("-- pong\n")), Push::Queued);
    }
    assert_eq!(outbox.push_reply(line("-- pong\n")), Push::Overflow);
    receiver.take_queued();
    assert_eq!(
        outbox.push_reply(line("-- pong\n")),
        Push::Queued,
        "taken replies free the reserve"
    );
}

/// The capacity behind a line that nothing else shares.
fn capacity(line: Bytes) -> usize {
    line.try_into_mut()
        .unwrap_or_else(|_| panic!("shared"))
        .capacity()
}

#[test]
fn lines_are_allocated_exactly() {
    let long = ServerLine::error("x".repeat(4000)).to_bytes();
    let len = long.len();
    assert_eq!(capacity(long), len, "no spare capacity held");
    let roster = ServerLine::online_bytes(2, &"y".repeat(3000));
    let len = roster.len();
    assert_eq!(capacity(roster), len);
}

#[test]
fn the_budget_skips_the_largest_queues_first() {
    // Lines of 36 bytes hold 100; 8 of them fill half the budget.
    let budget = Budget::new(1600);
    let (big, _big_queue) = bounded_by(&budget);
    let (small, _small_queue) = bounded_by(&budget);
    let text = line(&"z".repeat(36));
    assert_eq!(held(&text), 100);
    while big.push(text.clone()) == Push::Queued {}
    assert_eq!(budget.held(), 800, "alone, a queue may fill half");
    assert_eq!(
        small.push(text.clone()),
        Push::Queued,
        "a small queue still gets lines"
    );
    assert_eq!(
        big.push(text.clone()),
        Push::Skipped,
        "the largest is skipped"
    );
    while small.push(text.clone()) == Push::Queued {}
    assert_eq!(budget.held(), 1600, "the small queue grew up to the mean");
    assert_eq!(
        small.push(text.clone()),
        Push::Skipped,
        "at the budget, every queue"
    );
    assert_eq!(
        big.push_reply(text.clone()),
        Push::Queued,
        "replies are counted but never refused by the budget"
    );
}

/// An outbox whose own bounds are far beyond `budget`.
fn bounded_by(budget: &Arc<Budget>) -> (Outbox, OutboxReceiver) {
    outbox(1000, 1 << 20, budget)
}

#[test]
fn what_a_queue_holds_goes_back_to_the_budget() {
    let budget = Budget::new(1 << 20);
    let (sender, mut receiver) = bounded_by(&budget);
    sender.push(line("a\n"));
    sender.push(line("b\n"));
    assert_eq!(budget.held(), 2 * (2 + LINE_OVERHEAD));
    receiver.take_queued();
    assert_eq!(budget.held(), 0);
    sender.push(line("c\n"));
    drop(sender);
    drop(receiver);
    assert_eq!(budget.held(), 0, "a closed queue gives back what it held");
}

#[test]
fn a_reply_larger_than_the_reserve_still_fits_after_others() {
    let (outbox, _receiver) = bounded(16, 4096);
    assert_eq!(outbox.push_reply(line("-- you are alice\n")), Push::Queued);
    let roster = Bytes::from(format!("-- online (1): {}\n", "x".repeat(100_000)));
    assert_eq!(
        outbox.push_reply(roster),
        Push::Queued,
        "a newcomer to a huge room gets its roster"
    );
    assert_eq!(
        outbox.push_reply(line("-- pong\n")),
        Push::Overflow,
        "but nothing more while the replies held pass the reserve"
    );
}
