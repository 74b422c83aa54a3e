//! The outbox's bounds, driven without sockets.

use super::*;

fn line(text: &str) -> Bytes {
    Bytes::from(text.to_owned())
}

#[tokio::test]
async fn full_queue_skips_and_counts() {
    let (outbox, mut receiver) = outbox(2, 1000);
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
    let (outbox, mut receiver) = outbox(100, 10);
    assert_eq!(outbox.push(line("12345678\n")), Push::Queued);
    assert_eq!(outbox.push(line("xy\n")), Push::Skipped);
    let mut batch = Vec::new();
    receiver.recv_batch(&mut batch, 10).await;
    assert_eq!(
        outbox.push(line("xy\n")),
        Push::Skipped,
        "held until written"
    );
    receiver.release(9);
    assert_eq!(
        outbox.push(line("xy\n")),
        Push::Queued,
        "bytes are released"
    );
}

#[tokio::test]
async fn a_line_longer_than_the_byte_bound_fits_an_empty_queue() {
    let (outbox, mut receiver) = outbox(100, 4);
    assert_eq!(outbox.push(line("0123456789\n")), Push::Queued);
    assert_eq!(outbox.push(line("x\n")), Push::Skipped);
    let mut batch = Vec::new();
    let received = receiver.recv_batch(&mut batch, 10).await;
    assert_eq!(received, Received::Lines(1));
}

#[tokio::test]
async fn a_skip_wakes_a_waiting_writer() {
    let (outbox, mut receiver) = outbox(10, 2);
    outbox.push(line("a\n"));
    let mut batch = Vec::new();
    let received = receiver.recv_batch(&mut batch, 10).await;
    assert_eq!(received, Received::Lines(1));
    // The writer still holds "a" (its bytes count) when a skip happens,
    // then waits on an empty queue: the skip must wake it.
    assert_eq!(outbox.push(line("b\n")), Push::Skipped);
    receiver.release(2);
    let received = receiver.recv_batch(&mut batch, 10).await;
    assert_eq!(received, Received::Lines(0));
    assert_eq!(receiver.take_skipped(), 1);
}

#[tokio::test]
async fn the_bye_always_fits_and_closes() {
    let (outbox, mut receiver) = outbox(1, 1000);
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
    let (outbox, receiver) = outbox(4, 1000);
    drop(receiver);
    assert_eq!(outbox.push(line("a\n")), Push::Closed);
}

#[test]
fn a_reply_is_queued_beyond_the_bound_after_the_skipped_count() {
    let (outbox, mut receiver) = outbox(1, 1000);
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
    let (outbox, mut receiver) = outbox(1, 10);
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
