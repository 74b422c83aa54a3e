//! Deciding operators' commands (`/oper` is in `oper.rs`): `/kick`, `/ban`, `/unban`,
//! `/bans`, `/mute`, `/unmute`, and keeping muted members quiet. Each
//! action is logged with the operator's name and reason; what it changes
//! goes to the log as events, so every server applies the same.

use std::sync::Arc;
use std::time::Duration;

use super::Room;
use super::decide::clean_reason;
use super::event::{Event, MemberId, Removal};
pub use super::oper::{Check, MAX_CHECKS};
use crate::protocol::sanitize::echo;
use crate::protocol::{Command, ServerLine, Timestamp};
use crate::server::moderation::bans::MAX_BANS;
use crate::server::moderation::throttle::Tries;
use crate::server::moderation::{
    Ban, BanTarget, Bans, BansWriter, Cidr, Moderation, Operators, is_exempt,
};

/// The room's local side of moderation: what checks passwords and
/// keeps the bans file, beside the fold's bans and mutes.
#[derive(Debug, Default)]
pub(super) struct Desk {
    pub(super) operators: Arc<Operators>,
    pub(super) tries: Tries,
    pub(super) checks: Vec<Check>,
    pub(super) in_flight: usize,
    exempt: std::borrow::Cow<'static, [ipnet::IpNet]>,
    bans_file: Option<BansWriter>,
    bans_saved: u64,
}

impl Room {
    /// The room with its operators, bans and exemptions.
    pub fn with_moderation(mut self, moderation: Moderation) -> Room {
        self.state.bans = Bans::from_list(moderation.bans);
        self.moderation = Desk {
            operators: moderation.operators,
            exempt: moderation.exempt,
            bans_file: moderation.bans_file,
            bans_saved: self.state.bans.generation(),
            ..Desk::default()
        };
        self
    }

    /// The operator's name, or `None` after telling a non-operator so.
    fn operator(&mut self, member: MemberId) -> Option<String> {
        let account = self.seats.get(&member).and_then(|s| s.operator.clone());
        if account.is_none() {
            self.reply(member, ServerLine::error("only operators can do that"));
        }
        account
    }

    /// Whether a muted member's talk stops here (it is told so).
    pub(super) fn silenced(&mut self, member: MemberId, command: &Command) -> bool {
        let talk = matches!(
            command,
            Command::Say(_) | Command::Me(_) | Command::Msg { .. }
        );
        if talk && self.state.is_muted(member, Timestamp::now()) {
            self.reply(member, ServerLine::error("you are muted"));
            return true;
        }
        false
    }

    pub(super) fn kick(&mut self, member: MemberId, name: &str, reason: Option<String>) {
        let Some(operator) = self.operator(member) else {
            return;
        };
        let Some(target) = self.target(member, name) else {
            return;
        };
        let reason = cleaned(reason);
        let name = self.state.name(target).cloned();
        tracing::info!(%operator, target = ?name, ?reason, "kick");
        let removal = Removal::Kicked(reason);
        self.log.append(Event::Removed {
            member: target,
            removal,
        });
    }

    pub(super) fn ban(
        &mut self,
        member: MemberId,
        raw: &str,
        duration: Option<Duration>,
        reason: Option<String>,
    ) {
        let Some(operator) = self.operator(member) else {
            return;
        };
        let Some(target) = self.ban_target(member, raw) else {
            return;
        };
        if self.state.bans().len() + 2 > MAX_BANS {
            let error = format!("too many bans ({MAX_BANS}), lift some first");
            return self.reply(member, ServerLine::error(error));
        }
        let until = duration.map(|d| later(Timestamp::now(), d));
        let reason = cleaned(reason);
        let ban = Ban {
            target,
            until,
            reason: reason.clone(),
            by: operator.clone(),
            via: None,
        };
        let mut bans = vec![ban];
        bans.extend(self.address_ban(&bans[0]));
        let targets: Vec<String> = bans.iter().map(|b| b.target.to_string()).collect();
        tracing::info!(%operator, ?targets, ?until, ?reason, "ban");
        let matched = self.members_matching(&bans);
        self.log.append(Event::Banned { by: member, bans });
        for gone in matched {
            let removal = Removal::Banned(reason.clone());
            self.log.append(Event::Removed {
                member: gone,
                removal,
            });
        }
    }

    /// A name ban's companion: the named member's address, unless exempt.
    fn address_ban(&self, ban: &Ban) -> Option<Ban> {
        let BanTarget::Name(name) = &ban.target else {
            return None;
        };
        let holder = self.state.holder(&name.skeleton())?;
        let addr = self.seats.get(&holder)?.conn.as_ref()?.peer.ip();
        if is_exempt(addr, &self.moderation.exempt) {
            return None;
        }
        let target = BanTarget::Range(Cidr::single(addr));
        let via = self.state.name(holder).cloned();
        Some(Ban {
            target,
            via,
            ..ban.clone()
        })
    }

    /// This server's members that `bans` match, identified operators aside.
    fn members_matching(&self, bans: &[Ban]) -> Vec<MemberId> {
        let mut matched: Vec<MemberId> = self
            .seats
            .iter()
            .filter(|(_, seat)| seat.operator.is_none())
            .filter(|(id, seat)| {
                let name = self.state.name(**id);
                let addr = seat.conn.as_ref().map(|conn| conn.peer.ip());
                bans.iter().any(|ban| match &ban.target {
                    BanTarget::Name(banned) => {
                        name.is_some_and(|name| name.skeleton() == banned.skeleton())
                    }
                    BanTarget::Range(range) => addr.is_some_and(|addr| range.contains(addr)),
                })
            })
            .map(|(id, _)| *id)
            .collect();
        matched.sort_unstable();
        matched
    }

    fn ban_target(&mut self, member: MemberId, raw: &str) -> Option<BanTarget> {
        let target = BanTarget::parse(raw);
        if target.is_none() {
            let error = format!("\"{}\" is not a name, an address or a range", echo(raw));
            self.reply(member, ServerLine::error(error));
        }
        target
    }

    pub(super) fn unban(&mut self, member: MemberId, raw: &str) {
        let Some(operator) = self.operator(member) else {
            return;
        };
        let Some(target) = self.ban_target(member, raw) else {
            return;
        };
        if self.state.bans().find(&target, Timestamp::now()).is_none() {
            let error = format!("\"{target}\" is not banned");
            return self.reply(member, ServerLine::error(error));
        }
        tracing::info!(%operator, target = %target, "unban");
        self.log.append(Event::Unbanned { by: member, target });
    }

    pub(super) fn list_bans(&mut self, member: MemberId) {
        if self.operator(member).is_none() {
            return;
        }
        let targets: Vec<String> = self
            .state
            .bans()
            .active(Timestamp::now())
            .map(|ban| ban.target.to_string())
            .collect();
        let notice = match targets.len() {
            0 => "bans (0)".to_owned(),
            count => format!("bans ({count}): {}", targets.join(", ")),
        };
        self.reply(member, ServerLine::notice(notice));
    }

    pub(super) fn mute(&mut self, member: MemberId, name: &str, duration: Option<Duration>) {
        let Some(operator) = self.operator(member) else {
            return;
        };
        let Some(target) = self.target(member, name) else {
            return;
        };
        let until = duration.map(|d| later(Timestamp::now(), d));
        let name = self.state.name(target).cloned();
        tracing::info!(%operator, target = ?name, ?until, "mute");
        self.log.append(Event::Muted {
            member: target,
            until,
        });
    }

    pub(super) fn unmute(&mut self, member: MemberId, name: &str) {
        let Some(operator) = self.operator(member) else {
            return;
        };
        let Some(target) = self.target(member, name) else {
            return;
        };
        let Some(name) = self.state.name(target).cloned() else {
            return;
        };
        if !self.state.is_muted(target, Timestamp::now()) {
            return self.reply(member, ServerLine::error(format!("{name} is not muted")));
        }
        tracing::info!(%operator, target = ?name, "unmute");
        self.log.append(Event::Unmuted { member: target });
    }

    /// Hands the bans file the bans in force, if they changed.
    pub(super) fn save_bans(&mut self) {
        let generation = self.state.bans().generation();
        let Some(writer) = &self.moderation.bans_file else {
            return;
        };
        if generation == self.moderation.bans_saved {
            return;
        }
        self.moderation.bans_saved = generation;
        let bans = self
            .state
            .bans()
            .active(Timestamp::now())
            .cloned()
            .collect();
        writer.publish(generation, bans);
    }
}

/// An operator's reason as members read it; empty is none.
fn cleaned(reason: Option<String>) -> Option<String> {
    reason.map(|r| clean_reason(&r)).filter(|r| !r.is_empty())
}

/// `duration` after `time` (durations are capped, so this cannot overflow).
fn later(time: Timestamp, duration: Duration) -> Timestamp {
    let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
    Timestamp(time.0.saturating_add(millis))
}
