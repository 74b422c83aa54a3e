//! What the socket task reports: connecting, server lines, the link
//! closing, and the wait for `-- you are` running out (a server that does
//! not speak chatty: plain mode).

use crate::client::app::{App, Body, Link};
use crate::client::classify::same_name;
use crate::client::event::{Effect, NetEvent};
use crate::protocol::tags::Tagged;
use crate::protocol::{ByeReason, Name, ServerLine, sanitize};

use super::connect;
use super::resume::{self, Verdict};
use super::scroll::{add, add_at, note};

/// The start of the server's `!` reply to a line over its limit.
const TOO_LONG: &str = "line too long";
/// How a shared room refuses a line it could not order.
const UNAVAILABLE: &str = "the room is unavailable, try again";

pub(super) fn on_net(app: &mut App, event: NetEvent) -> Vec<Effect> {
    match event {
        NetEvent::Connecting => {
            app.link = Link::Connecting;
            Vec::new()
        }
        NetEvent::Connected => {
            connected(app);
            Vec::new()
        }
        NetEvent::Line(raw) if app.link == Link::Plain => {
            add(app, Body::Server(ServerLine::Notice(sanitize(&raw))));
            Vec::new()
        }
        NetEvent::Line(raw) => on_line(app, &raw),
        NetEvent::JoinWaitOver => {
            join_wait_over(app);
            Vec::new()
        }
        NetEvent::Closed(why) => on_closed(app, &why),
        NetEvent::ConnectFailed(why) => {
            if app.last_failure.as_ref() != Some(&why) {
                note(app, format!("cannot reach {}: {why}; retrying", app.addr));
                app.last_failure = Some(why);
            }
            retry(app)
        }
        NetEvent::Untrusted(why) => {
            note(app, format!("{why}; not reconnecting (Enter tries again)"));
            app.link = Link::Offline {
                reason: "certificate not trusted".to_owned(),
            };
            Vec::new()
        }
        NetEvent::TooLong => {
            note(app, "the server sent an over-long line; it was dropped");
            Vec::new()
        }
        NetEvent::RetryIn(in_secs) => {
            app.link = Link::Reconnecting { in_secs };
            Vec::new()
        }
    }
}

fn connected(app: &mut App) {
    app.link = Link::Joining;
    app.last_failure = None;
    app.bye = None;
    app.in_history = false;
    note(
        app,
        format!("connected to {}, joining as {}", app.addr, app.name),
    );
}

/// No `-- you are` in time: this server does not speak chatty. From now
/// on lines go out as typed and come in as notices.
fn join_wait_over(app: &mut App) {
    if app.link != Link::Joining {
        return;
    }
    app.link = Link::Plain;
    app.users.clear();
    note(
        app,
        "this server does not speak the chatty protocol: plain mode, \
         lines go out as typed and come in as notices",
    );
}

fn retry(app: &mut App) -> Vec<Effect> {
    app.attempt = app.attempt.saturating_add(1);
    app.link = Link::Reconnecting { in_secs: 0 };
    vec![connect(app)]
}

/// The link ended: exit after our own `/quit`, stay offline after an idle,
/// login-timeout, kicked or banned bye, otherwise reconnect with backoff.
fn on_closed(app: &mut App, why: &str) -> Vec<Effect> {
    app.users.clear();
    app.in_history = false;
    // A server that says bye has closed the seat too; only a link that
    // just broke leaves one to take back.
    resume::on_closed(app, app.bye.is_none());
    if app.link == Link::Quitting || app.bye == Some(ByeReason::Quit) {
        return vec![Effect::Exit];
    }
    match app.bye.take() {
        Some(
            reason @ (ByeReason::Kicked(_) | ByeReason::Banned(_) | ByeReason::ResumedElsewhere),
        ) => {
            // Reconnecting would only be refused, annoy the operators, or
            // take the seat from our other connection.
            note(
                app,
                format!("disconnected ({reason}); not reconnecting (Enter tries again)"),
            );
            app.link = Link::Offline {
                reason: reason.to_string(),
            };
            Vec::new()
        }
        Some(reason @ (ByeReason::Idle | ByeReason::LoginTimeout)) => {
            note(
                app,
                format!("disconnected ({reason}); press Enter to reconnect"),
            );
            app.link = Link::Offline {
                reason: reason.to_string(),
            };
            Vec::new()
        }
        Some(reason) => {
            note(app, format!("disconnected ({reason}); reconnecting"));
            retry(app)
        }
        None => {
            note(app, format!("connection lost ({why}); reconnecting"));
            retry(app)
        }
    }
}

/// A line from the server: sanitized, its tags read, sorted (a resume's
/// frame, a line already shown), applied, shown at its own time.
fn on_line(app: &mut App, raw: &str) -> Vec<Effect> {
    let Tagged { tags, line } = Tagged::parse(&sanitize(raw));
    let clock = match resume::sort(app, &tags, &line) {
        Verdict::Show(clock) => clock,
        Verdict::Apply => return apply(app, &line),
        Verdict::Done(effects) => return effects,
    };
    let mut effects = apply(app, &line);
    let body = Body::Server(line.clone());
    effects.extend(crate::client::notify::effect(app, &body));
    add_at(app, body, clock);
    after_shown(app, &line);
    effects
}

/// What a server line changes in the model.
fn apply(app: &mut App, line: &ServerLine) -> Vec<Effect> {
    match line {
        ServerLine::YouAre(name) => {
            app.name = name.to_string();
            app.link = Link::Joined;
            app.attempt = 0;
        }
        ServerLine::Online(names) => app.users.set(names.iter().cloned()),
        ServerLine::Arrived(name) => app.users.add(name.clone()),
        ServerLine::Left { name, .. } => app.users.remove(&name.key()),
        ServerLine::Away { name, .. } => away(app, name, true),
        ServerLine::Back(name) => away(app, name, false),
        ServerLine::Renamed { old, new } => renamed(app, old, new),
        ServerLine::Bye(ByeReason::Quit) => {
            app.bye = Some(ByeReason::Quit);
            return vec![Effect::Exit];
        }
        ServerLine::Bye(reason) => app.bye = Some(reason.clone()),
        ServerLine::HistoryStart(_) => app.in_history = true,
        ServerLine::Error(_) if app.link == Link::Joining => app.link = Link::ChoosingName,
        ServerLine::Skipped(_) if app.link == Link::Joined => {
            // The roster may have drifted while lines were skipped.
            return vec![Effect::Send("/names".to_owned())];
        }
        ServerLine::Message { .. }
        | ServerLine::Action { .. }
        | ServerLine::Private { .. }
        | ServerLine::Skipped(_)
        | ServerLine::HistoryEnd
        | ServerLine::TagsOn
        | ServerLine::ResumedStart(_)
        | ServerLine::ResumedEnd
        | ServerLine::Session(_)
        | ServerLine::Ignoring(_)
        | ServerLine::NotIgnoring(_)
        | ServerLine::IgnoreList(_)
        | ServerLine::Notice(_)
        | ServerLine::Error(_)
        | ServerLine::Unknown(_) => {}
    }
    Vec::new()
}

/// What follows a line once it is on screen.
fn after_shown(app: &mut App, line: &ServerLine) {
    if *line == ServerLine::HistoryEnd {
        app.in_history = false;
    }
    let ServerLine::Error(text) = line else {
        return;
    };
    let unavailable = text == UNAVAILABLE;
    if app.link == Link::ChoosingName && unavailable {
        // Not a verdict on the name: the room could not take anyone now.
        if app.input.is_empty() {
            let name = app.name.clone();
            app.input.set(&name);
        }
        note(
            app,
            "the room could not take your name just now; press Enter to try again",
        );
    } else if app.link == Link::ChoosingName {
        note(app, "type another name and press Enter");
    } else if text.starts_with(TOO_LONG) {
        give_back(
            app,
            "that line is over the server's limit; it is back in the input line",
        );
    } else if unavailable {
        give_back(
            app,
            "that line was not sent; it is back in the input line: press Enter to send it again",
        );
    }
}

/// The server refused the last line (too long, or a shared room that
/// could not order it): it goes back into an empty input line, to be
/// shortened or sent again, instead of vanishing.
fn give_back(app: &mut App, why: &str) {
    let Some(line) = app.last_sent.take() else {
        return;
    };
    if app.input.is_empty() {
        app.input.set(&line);
        note(app, why);
    }
}

fn away(app: &mut App, name: &Name, away: bool) {
    app.users.set_away(name, away);
    if same_name(name, &app.name) {
        app.away = away;
    }
}

fn renamed(app: &mut App, old: &Name, new: &Name) {
    app.users.rename(old, new.clone());
    if same_name(old, &app.name) {
        app.name = new.to_string();
    }
}
