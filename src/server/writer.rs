//! The writer: a thin pump from one client's outbox to its socket.
//!
//! It drains everything queued into one buffer and one `write`, so a busy
//! room costs few syscalls, and gives up on a socket that accepts nothing
//! for `--write-timeout`.

use std::io;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use super::outbox::{OutboxReceiver, Received};
use crate::protocol::ServerLine;

/// Most lines taken from the outbox per write.
const BATCH_LINES: usize = 256;
/// A write buffer grown past this is freed after use, so one burst does
/// not pin memory for the rest of the connection.
const KEEP_BUFFER_BYTES: usize = 16 * 1024;

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
    let mut batch: Vec<Bytes> = Vec::new();
    let mut buffer = BytesMut::new();
    loop {
        let received = tokio::select! {
            received = outbox.recv_batch(&mut batch, BATCH_LINES) => received,
            () = hard_stop.cancelled() => return WriterEnd::Stopped,
        };
        if received == Received::Closed {
            return close(&mut socket, write_timeout).await;
        }
        let bytes: usize = batch.iter().map(Bytes::len).sum();
        let skipped = outbox.take_skipped();
        fill(&mut buffer, &mut batch, skipped, outbox.got_last());
        let written = tokio::select! {
            end = write_with_progress(&mut socket, &mut buffer, write_timeout) => end,
            () = hard_stop.cancelled() => return WriterEnd::Stopped,
        };
        if let Err(end) = written {
            return end;
        }
        outbox.release(bytes);
        if buffer.capacity() > KEEP_BUFFER_BYTES {
            buffer = BytesMut::new();
        }
    }
}

/// Moves the batch into the write buffer with the skipped count, if any,
/// after the lines but before a final bye.
fn fill(buffer: &mut BytesMut, batch: &mut Vec<Bytes>, skipped: u64, ends_with_bye: bool) {
    let bye = if ends_with_bye { batch.pop() } else { None };
    for line in batch.drain(..) {
        buffer.extend_from_slice(&line);
    }
    if skipped > 0 {
        buffer.extend_from_slice(&ServerLine::Skipped(skipped).to_bytes());
    }
    if let Some(bye) = bye {
        buffer.extend_from_slice(&bye);
    }
}

/// Writes the whole buffer; fails when one write makes no progress within
/// `limit`.
async fn write_with_progress<W: AsyncWrite + Unpin>(
    socket: &mut W,
    buffer: &mut BytesMut,
    limit: Duration,
) -> Result<(), WriterEnd> {
    while !buffer.is_empty() {
        match timeout(limit, socket.write_buf(buffer)).await {
            Err(_) => return Err(WriterEnd::TooSlow),
            Ok(Ok(0)) => return Err(WriterEnd::Failed(io::ErrorKind::WriteZero.into())),
            Ok(Ok(_)) => {}
            Ok(Err(err)) => return Err(WriterEnd::Failed(err)),
        }
    }
    Ok(())
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
    use crate::server::outbox::outbox;

    #[tokio::test]
    async fn writes_queued_lines_then_the_skipped_count() {
        let (sender, receiver) = outbox(2, 1000);
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
