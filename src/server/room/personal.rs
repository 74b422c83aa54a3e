//! Commands that change only the sender's own seat or answer it alone:
//! `/ignore`, `/unignore`, `/session`, `/stats`. Nothing here goes
//! through the log.

use std::time::Duration;

use super::Room;
use super::event::{Control, MemberId};
use crate::protocol::ServerLine;

impl Room {
    pub(super) fn ignore(&mut self, member: MemberId, raw: &str) {
        let Some(target) = self.target(member, raw) else {
            return;
        };
        if target == member {
            return self.reply(member, ServerLine::error("you cannot ignore yourself"));
        }
        let Some(name) = self.state.name(target).cloned() else {
            return;
        };
        if let Some(seat) = self.seats.get_mut(&member) {
            seat.ignoring.insert(target);
        }
        self.share_ignoring(member);
        self.reply(member, ServerLine::Ignoring(name));
    }

    /// In a shared room the list goes into the log, so it moves with the
    /// member to another server.
    fn share_ignoring(&mut self, member: MemberId) {
        if self.engine.is_none() {
            return;
        }
        let Some(seat) = self.seats.get(&member) else {
            return;
        };
        let ignoring = seat.ignoring.iter().copied().collect();
        self.log.control(Control::Ignoring { member, ignoring });
    }

    pub(super) fn unignore(&mut self, member: MemberId, raw: &str) {
        let Some(target) = self.target(member, raw) else {
            return;
        };
        let Some(name) = self.state.name(target).cloned() else {
            return;
        };
        let removed = self
            .seats
            .get_mut(&member)
            .is_some_and(|seat| seat.ignoring.remove(&target));
        if removed {
            self.share_ignoring(member);
            self.reply(member, ServerLine::NotIgnoring(name));
        } else {
            let error = format!("you are not ignoring {name}");
            self.reply(member, ServerLine::error(error));
        }
    }

    pub(super) fn ignore_list(&mut self, member: MemberId) {
        let Some(seat) = self.seats.get(&member) else {
            return;
        };
        let names = self.state.names_of(seat.ignoring.iter().copied());
        self.reply(member, ServerLine::IgnoreList(names));
    }

    /// `-- session TOKEN`; from now on the seat keeps what a resume needs.
    pub(super) fn session(&mut self, member: MemberId) {
        if let Some(token) = self.disclose_token(member) {
            self.reply(member, ServerLine::Session(token));
        }
    }

    /// `/stats`: `-- uptime 1h 2m 3s, members 3, lines 120, deliveries 360, skips 0`
    /// (members as the gauge counts them, held seats included).
    pub(super) fn stats(&mut self, member: MemberId) {
        let metrics = &self.metrics;
        let uptime = Duration::from_secs(metrics.uptime().as_secs());
        let line = ServerLine::notice(format!(
            "uptime {}, members {}, lines {}, deliveries {}, skips {}",
            humantime::format_duration(uptime),
            self.state.members.len(),
            metrics.lines_received.get(),
            metrics.deliveries.get(),
            metrics.skipped.get(),
        ));
        self.reply(member, line);
    }
}
