//! `/oper`: a password check handed to the room's task (argon2 is slow,
//! so it runs on a blocking thread) and its answer fed back as a request;
//! wrong tries are throttled per address.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use super::event::MemberId;
use super::{ConnId, Request, Room};
use crate::protocol::ServerLine;
use crate::protocol::command::Password;
use crate::server::moderation::Operators;

/// `/oper` checks waiting or running at once; past it, tries are refused
/// as too many, so a flood of them cannot queue without bound.
pub const MAX_CHECKS: usize = 16;

/// A password to check for `/oper`, handed to the room's task, which runs
/// [`Check::verify`] on a blocking thread and feeds the answer back.
#[derive(Debug)]
pub struct Check {
    pub conn: ConnId,
    pub addr: IpAddr,
    pub account: String,
    password: Password,
    operators: Arc<Operators>,
}

impl Check {
    /// Slow (argon2): never on the room's task.
    pub fn verify(self) -> Request {
        let ok = self.operators.verify(&self.account, &self.password.0);
        self.answer(ok)
    }

    /// The answer as the room takes it (also for a check that failed to run).
    pub fn answer(self, ok: bool) -> Request {
        let (conn, addr, account) = (self.conn, self.addr, self.account);
        Request::OperChecked {
            conn,
            addr,
            account,
            ok,
        }
    }
}

impl Room {
    /// The `/oper` checks to run; the task takes them after each request.
    pub fn take_checks(&mut self) -> Vec<Check> {
        std::mem::take(&mut self.moderation.checks)
    }

    pub(super) fn oper(&mut self, member: MemberId, account: String, password: Password) {
        let Some(conn) = self.seats.get(&member).and_then(|s| s.conn.as_ref()) else {
            return;
        };
        let (conn, addr) = (conn.id, conn.peer.ip());
        let busy = self.moderation.in_flight >= MAX_CHECKS;
        if busy || !self.moderation.tries.start(addr, Instant::now()) {
            return self.reply(member, ServerLine::error("too many tries, wait a minute"));
        }
        self.moderation.in_flight += 1;
        let operators = self.moderation.operators.clone();
        self.moderation.checks.push(Check {
            conn,
            addr,
            account,
            password,
            operators,
        });
    }

    pub(super) fn oper_checked(&mut self, conn: ConnId, addr: IpAddr, account: String, ok: bool) {
        self.moderation.in_flight = self.moderation.in_flight.saturating_sub(1);
        if ok {
            self.moderation.tries.succeeded(addr);
        }
        let Some(member) = self.conns.get(&conn).copied() else {
            return;
        };
        if !ok {
            tracing::warn!(id = member, %addr, "wrong operator name or password");
            return self.reply(member, ServerLine::error("wrong operator name or password"));
        }
        tracing::info!(id = member, %addr, operator = %account, "operator identified");
        if let Some(seat) = self.seats.get_mut(&member) {
            seat.operator = Some(account);
        }
        self.reply(member, ServerLine::notice("you are an operator"));
    }
}
