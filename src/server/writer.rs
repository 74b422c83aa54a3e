//! The writer: a thin pump from one client's outbox to its socket.
//!
//! It drains everything queued and hands it to one vectored `write`
//! straight from the shared line buffers (no copy, no write buffer kept per
//! client), so a busy room costs few syscalls and an idle client little
//! memory, and gives up on a socket that accepts nothing for
//! `--write-timeout`.

use std::io::{self, IoSlice};
use std::time::Duration;

use bytes::{Buf, Bytes};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use super::outbox::{OutboxReceiver, Received, held};
use crate::protocol::ServerLine;

/// Most lines taken from the outbox per write.
const BATCH_LINES: usize = 256;

/// How a writer ended.
#[derive(Debug)]
pub enum WriterEnd {
    /// Everything was written and the socket half-closed.
    Flushed,
    /// The socket accepted nothing for the write timeout.
    TooSlow,
    /// The server's flush deadline passed during shutdown.
    Stopped,
    /// The peer is gone.
    Failed(io::Error),
}

/// Writes the outbox to `socket` until every sender is gone, then
/// half-closes it.
pub async fn run<W: AsyncWrite + Unpin>(
    mut socket: W,
    mut outbox: OutboxReceiver,
    write_timeout: Duration,
    hard_stop: CancellationToken,
) -> WriterEnd {
    loop {
        // A fresh batch each time: an idle writer holds no buffer at all.
        let mut batch: Vec<Bytes> = Vec::new();
        let received = tokio::select! {
            received = outbox.recv_batch(&mut batch, BATCH_LINES) => received,
            () = hard_stop.cancelled() => return WriterEnd::Stopped,
        };
        let Received::Lines(taken) = received else {
            return close(&mut socket, write_timeout).await;
        };
        let bytes: usize = batch.iter().map(held).sum();
        let skipped = outbox.take_skipped();
        add_skipped(&mut batch, skipped, outbox.got_last());
        let written = tokio::select! {
            end = write_lines(&mut socket, &mut batch, write_timeout) => end,
            () = hard_stop.cancelled() => return WriterEnd::Stopped,
        };
        if let Err(end) = written {
            return end;
        }
        outbox.release(bytes, taken);
    }
}

/// Adds the skipped count, if any, after the lines but before a final bye.
fn add_skipped(batch: &mut Vec<Bytes>, skipped: u64, ends_with_bye: bool) {
    if skipped > 0 {
        let at = batch.len() - usize::from(ends_with_bye && !batch.is_empty());
        batch.insert(at, ServerLine::Skipped(skipped).to_bytes());
    }
}

/// Writes every line of the batch (vectored) and empties it; fails when
/// one write makes no progress within `limit`.
async fn write_lines<W: AsyncWrite + Unpin>(
    socket: &mut W,
    batch: &mut Vec<Bytes>,
    limit: Duration,
) -> Result<(), WriterEnd> {
    let mut done = 0;
    while done < batch.len() {
        let slices: Vec<IoSlice<'_>> = batch[done..]
            .iter()
            .map(|line| IoSlice::new(line))
            .collect();
        let written = match timeout(limit, socket.write_vectored(&slices)).await {
            Err(_) => return Err(WriterEnd::TooSlow),
            Ok(Ok(0)) => return Err(WriterEnd::Failed(io::ErrorKind::WriteZero.into())),
            Ok(Ok(written)) => written,
            Ok(Err(err)) => return Err(WriterEnd::Failed(err)),
        };
        drop(slices);
        done = advance(&mut batch[done..], written) + done;
    }
    batch.clear();
    Ok(())
}

/// Consumes `written` bytes from the front of `lines`; returns how many
/// lines are now fully written.
fn advance(lines: &mut [Bytes], mut written: usize) -> usize {
    let mut done = 0;
    for line in lines {
        if written < line.len() {
            line.advance(written);
            break;
        }
        written -= line.len();
        done += 1;
    }
    done
}

async fn close<W: AsyncWrite + Unpin>(socket: &mut W, limit: Duration) -> WriterEnd {
    match timeout(limit, socket.shutdown()).await {
        Ok(Ok(())) => WriterEnd::Flushed,
        Ok(Err(err)) => WriterEnd::Failed(err),
        Err(_) => WriterEnd::TooSlow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::outbox::{Budget, outbox};

    #[test]
    fn partial_writes_advance_through_the_lines() {
        let mut lines = vec![Bytes::from_static(b"ab\n"), Bytes::from_static(b"cd\n")];
        assert_eq!(advance(&mut lines, 4), 1);
        assert_eq!(&lines[1][..], b"d\n");
        assert_eq!(advance(&mut lines[1..], 2), 1);
    }

    #[tokio::test]
    async fn writes_queued_lines_then_the_skipped_count() {
        let (sender, receiver) = outbox(2, 1000, &Budget::unlimited());
        sender.push(Bytes::from_static(b"a\n"));
        sender.push(Bytes::from_static(b"b\n"));
        sender.push(Bytes::from_static(b"c\n"));
        sender.push_last(Bytes::from_static(b"-- bye (quit)\n"));
        let mut written = Vec::new();
        let end = run(
            &mut written,
            receiver,
            Duration::from_secs(1),
            CancellationToken::new(),
        )
        .await;
        assert!(matches!(end, WriterEnd::Flushed), "{end:?}");
        assert_eq!(
            String::from_utf8_lossy(&written),
            "a\nb\n-- 1 messages skipped\n-- bye (quit)\n"
        );
    }
}
