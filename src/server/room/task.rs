//! The room's task: the handle others hold, the loop that feeds
//! requests (and held-seat expiries) to [`Room::handle`], and the goodbye
//! at shutdown.

use std::time::Instant;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::log::LogItem;
use super::{Check, JoinReply, MAX_CHECKS, REQUEST_QUEUE, Request, Room};
use crate::protocol::{ByeReason, NameSkeleton, ServerLine};
use crate::server::outbox::{Brake, Outbox};

/// The room as others see it: a queue of requests.
#[derive(Clone, Debug)]
pub struct RoomHandle {
    requests: mpsc::Sender<Request>,
}

/// The room task is gone (the server is shutting down).
#[derive(Debug)]
pub struct RoomClosed;

impl RoomHandle {
    /// Asks to join or resume with the request `ask` makes around the
    /// reply channel. If the room has shut down, the client has been told
    /// so.
    pub async fn join(
        &self,
        ask: impl FnOnce(oneshot::Sender<JoinReply>) -> Request,
    ) -> Result<JoinReply, RoomClosed> {
        let (reply, answer) = oneshot::channel();
        let request = ask(reply);
        if let Err(mpsc::error::SendError(request)) = self.requests.send(request).await {
            if let Some(outbox) = into_outbox(request) {
                say_shutting_down(outbox);
            }
            return Err(RoomClosed);
        }
        answer.await.map_err(|_| RoomClosed)
    }

    /// Whether a member holds a name that looks like `skeleton`.
    pub async fn is_taken(&self, skeleton: NameSkeleton) -> Result<bool, RoomClosed> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::IsTaken { skeleton, reply }).await?;
        answer.await.map_err(|_| RoomClosed)
    }

    /// Whether a connection from `addr` may log in (no ban matches it).
    pub async fn admits(&self, addr: std::net::IpAddr) -> Result<bool, RoomClosed> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::Admit { addr, reply }).await?;
        answer.await.map_err(|_| RoomClosed)
    }

    /// Queues a request, waiting while the room is busy.
    pub async fn send(&self, request: Request) -> Result<(), RoomClosed> {
        self.requests.send(request).await.map_err(|_| RoomClosed)
    }
}

fn into_outbox(request: Request) -> Option<Outbox> {
    into_outbox_if_login(request).ok()
}

/// Starts the room task; it runs until `shutdown`, then says bye to every
/// member. The task's handle lets the server notice if it dies.
pub fn start(
    room: Room,
    items: Option<mpsc::Receiver<Vec<LogItem>>>,
    brake: Arc<Brake>,
    shutdown: CancellationToken,
    tracker: &tokio_util::task::TaskTracker,
) -> (RoomHandle, tokio::task::JoinHandle<()>) {
    let (requests, inbox) = mpsc::channel(REQUEST_QUEUE);
    let task = tracker.spawn(run(room, items, brake, inbox, shutdown));
    (RoomHandle { requests }, task)
}

/// Runs the room. While the flood brake is pressed (a reader's queue is
/// past half its bound), a line to the room waits, and the requests behind
/// it with it, for at most `BRAKE_LIMIT`: its sender slows down instead of
/// that reader losing lines. Arrivals, leaves and the rest go on.
async fn run(
    mut room: Room,
    mut items: Option<mpsc::Receiver<Vec<LogItem>>>,
    brake: Arc<Brake>,
    mut inbox: mpsc::Receiver<Request>,
    shutdown: CancellationToken,
) {
    let (checked, mut answers) = mpsc::channel(MAX_CHECKS);
    let checkers = Arc::new(Semaphore::new(PARALLEL_CHECKS));
    // A line held back by the brake.
    let mut held: Option<Request> = None;
    loop {
        let expiry = room.next_expiry().map(tokio::time::Instant::from_std);
        let holding = brake.holding_until();
        let request = match held.take() {
            Some(line) if holding.is_none() => Some(line),
            waiting => {
                held = waiting;
                tokio::select! {
                    biased;
                    () = shutdown.cancelled() => break,
                    () = sleep_until(expiry) => {
                        room.expire(Instant::now());
                        continue;
                    }
                    Some(answer) = answers.recv() => Some(answer),
                    Some(batch) = next_items(&mut items) => {
                        room.feed(batch);
                        continue;
                    }
                    () = brake.released(), if held.is_some() => continue,
                    () = sleep_until(holding), if held.is_some() => continue,
                    request = inbox.recv(), if held.is_none() => request,
                }
            }
        };
        let Some(request) = request else { break };
        if holding.is_some() && is_room_line(&request) {
            held = Some(request);
            continue;
        }
        room.handle(request);
        for check in room.take_checks() {
            tokio::spawn(run_check(check, checkers.clone(), checked.clone()));
        }
    }
    if let Some(line) = held {
        room.handle(line);
    }
    // What was already asked is still answered; newcomers get their bye.
    inbox.close();
    while let Ok(request) = inbox.try_recv() {
        match into_outbox_if_login(request) {
            Ok(outbox) => say_shutting_down(outbox),
            Err(request) => room.handle(request),
        }
    }
    room.close_all(ByeReason::ShuttingDown);
}

/// Whether `request` says something to the room (what the brake holds).
fn is_room_line(request: &Request) -> bool {
    use crate::protocol::Command;
    matches!(
        request,
        Request::Command {
            command: Command::Say(_) | Command::Me(_) | Command::Msg { .. },
            ..
        }
    )
}

/// Password checks running at once: argon2 takes tens of milliseconds
/// and megabytes each, so a burst of `/oper` cannot take every core.
const PARALLEL_CHECKS: usize = 2;

/// Checks an `/oper` password on a blocking thread (never the room's),
/// then hands the answer to the room like any request.
async fn run_check(check: Check, checkers: Arc<Semaphore>, answers: mpsc::Sender<Request>) {
    let Ok(_permit) = checkers.acquire_owned().await else {
        return;
    };
    let (conn, addr, account) = (check.conn, check.addr, check.account.clone());
    let answer = tokio::task::spawn_blocking(move || check.verify())
        .await
        .unwrap_or(Request::OperChecked {
            conn,
            addr,
            account,
            ok: false,
        });
    let _ = answers.send(answer).await;
}

/// What a shared log's engine hands over next (never, alone).
async fn next_items(items: &mut Option<mpsc::Receiver<Vec<LogItem>>>) -> Option<Vec<LogItem>> {
    match items {
        Some(items) => items.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn into_outbox_if_login(request: Request) -> Result<Outbox, Request> {
    match request {
        Request::Join { outbox, .. } | Request::Resume { outbox, .. } => Ok(outbox),
        other => Err(other),
    }
}

fn say_shutting_down(outbox: Outbox) {
    outbox.push_last(ServerLine::Bye(ByeReason::ShuttingDown).to_bytes());
}
