//! What a batch came to, told to the room: settling a batch whose answer
//! was lost, refusals, and the talk refused while Redis is away.

use std::sync::atomic::Ordering;

use super::{Job, Outcome, RESOLVE, RETRY, STALL, Writer};
use crate::server::room::log::{LogItem, Refusal};

impl Writer {
    /// Settles a batch whose answer was lost, on a fresh connection.
    pub(super) async fn settle(&mut self, batch: Vec<Job>) {
        let Some(mut conn) = self.conn.clone() else {
            self.unsettled = Some(batch);
            return;
        };
        let answer = RESOLVE
            .key(self.keys.fence(self.node))
            .key(self.keys.result(self.node))
            .arg(self.batch)
            .invoke_async::<String>(&mut conn)
            .await;
        match answer {
            Ok(result) if result == "cancelled" && self.sent_at.elapsed() < STALL => {
                // It never ran and nobody was told: it goes out again.
                for job in batch.into_iter().rev() {
                    self.waiting.push_front(job);
                }
                self.resending = true;
            }
            Ok(result) if result == "cancelled" => {
                tracing::info!(node = self.node, "a batch whose answer was lost never ran");
                self.unanswered(batch, Outcome::NotRun).await;
            }
            Ok(result) => {
                tracing::info!(node = self.node, "a batch whose answer was lost had run");
                self.unanswered(batch, Outcome::Ran(result)).await;
            }
            Err(err) => {
                tracing::debug!(node = self.node, %err, "cannot settle a batch yet");
                self.conn = None;
                self.unsettled = Some(batch);
                self.refuse_queued().await;
                tokio::time::sleep(RETRY).await;
            }
        }
    }

    /// Tells the room what a batch came to.
    pub(super) async fn unanswered(&mut self, batch: Vec<Job>, outcome: Outcome) {
        let result = match outcome {
            Outcome::Unknown => {
                self.unsettled = Some(batch);
                return;
            }
            Outcome::NotRun => None,
            Outcome::Ran(result) => Some(result),
        };
        let mut items = Vec::new();
        let Some((head, results)) = result.as_deref().and_then(parse) else {
            for job in batch {
                self.not_ordered(job, &mut items);
            }
            return self.tell(items).await;
        };
        let mut results = results.into_iter();
        for job in batch {
            match job {
                Job::Barrier(conn) => items.push(LogItem::Barrier { conn, seq: head }),
                Job::Snapshot(_) => {}
                Job::Append(append) => {
                    let why = match results.next() {
                        Some(_) if append.op == "x" => continue,
                        Some(seq) if seq > 0 => continue,
                        Some(0) => Refusal::Taken,
                        Some(-2) => Refusal::Recipient,
                        _ => Refusal::Absent,
                    };
                    items.push(append.entry.refused(why));
                }
            }
        }
        self.tell(items).await;
    }

    /// Refuses the talk queued now; what must land waits.
    pub(super) async fn refuse_queued(&mut self) {
        let mut items = Vec::new();
        while let Ok(job) = self.jobs.receiver.try_recv() {
            self.jobs.queued.fetch_sub(1, Ordering::Relaxed);
            self.not_ordered(job, &mut items);
        }
        self.tell(items).await;
    }

    /// A job that was not ordered: what must land waits for another
    /// try, the rest is refused.
    fn not_ordered(&mut self, job: Job, items: &mut Vec<LogItem>) {
        match job {
            Job::Append(append) if append.must_land => self.waiting.push_back(Job::Append(append)),
            Job::Append(append) => items.push(append.entry.refused(Refusal::Unavailable)),
            Job::Barrier(conn) => items.push(LogItem::BarrierRefused { conn }),
            Job::Snapshot(_) => {}
        }
    }

    async fn tell(&self, items: Vec<LogItem>) {
        if !items.is_empty() {
            let _ = self.items.send(items).await;
        }
    }
}

/// `HEAD;r1,r2,...` as the append script answers.
fn parse(result: &str) -> Option<(u64, Vec<i64>)> {
    let (head, rest) = result.split_once(';')?;
    let results = rest
        .split(',')
        .filter(|r| !r.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    Some((head.parse().ok()?, results))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_the_scripts_answer() {
        assert_eq!(
            super::parse("12;10,0,-1,12"),
            Some((12, vec![10, 0, -1, 12]))
        );
        assert_eq!(super::parse("7;"), Some((7, vec![])));
        assert_eq!(super::parse("x;1"), None);
    }
}
