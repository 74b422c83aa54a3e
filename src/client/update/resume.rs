//! The numbered room on the client side: tagged lines, taking the seat
//! back after a drop, and never showing a room line twice.
//!
//! A resume is meant to be invisible: the `-- you are` and `-- online`
//! of the new connection and the frame around the missed lines are not
//! shown; one note says how many lines were missed, and the server's own
//! `-- N messages skipped` says how many of those it no longer had.

use crate::client::app::App;
use crate::client::clock::Clock;
use crate::client::event::Effect;
use crate::protocol::ServerLine;
use crate::protocol::tags::Tags;

use super::scroll::note;

/// The start of the server's refusal of a `/resume`.
const CANNOT_RESUME: &str = "cannot resume: ";

/// What to do with a line before it is applied and shown.
pub(super) enum Verdict {
    /// Apply and show it, at the time it was said if known.
    Show(Option<Clock>),
    /// Apply it, do not show it (the frame of a resume).
    Apply,
    /// Neither: already shown, or handled here with these effects.
    Done(Vec<Effect>),
}

/// Sorts one received line: resume replies, duplicates, the rest.
pub(super) fn sort(app: &mut App, tags: &Tags, line: &ServerLine) -> Verdict {
    match line {
        ServerLine::TagsOn => return Verdict::Done(Vec::new()),
        // The welcome again, before the seat is back: already seen.
        ServerLine::Notice(_) if app.session.resuming => return Verdict::Done(Vec::new()),
        ServerLine::Error(text) if app.session.resuming => {
            if let Some(reason) = text.strip_prefix(CANNOT_RESUME) {
                return Verdict::Done(refused(app, reason));
            }
        }
        ServerLine::YouAre(_) => {
            let resumed = app.session.resuming;
            app.session.joined(tags);
            if resumed {
                app.session.in_resumed = true;
                return Verdict::Apply;
            }
            // Its seq is where we stand, not a line shown.
            return Verdict::Show(None);
        }
        ServerLine::Online(_) if app.session.in_resumed => return Verdict::Apply,
        ServerLine::ResumedStart(missed) => {
            app.session.in_resumed = true;
            note(app, back_note(*missed));
            return Verdict::Done(Vec::new());
        }
        // On a rejoin the history frame would count lines already shown:
        // only the newer lines appear, dimmed as history, without it.
        ServerLine::HistoryStart(_) => {
            app.session.quiet_history = app.session.has_shown();
            if app.session.quiet_history {
                return Verdict::Apply;
            }
        }
        ServerLine::HistoryEnd if app.session.quiet_history => {
            app.session.quiet_history = false;
            app.in_history = false;
            return Verdict::Done(Vec::new());
        }
        ServerLine::ResumedEnd => {
            app.session.resumed_whole();
            return Verdict::Done(Vec::new());
        }
        _ => {}
    }
    if !app.session.is_new(tags) {
        return Verdict::Done(Vec::new());
    }
    Verdict::Show(clock_of(app, tags))
}

/// When a line was said: its `time` tag, in local time.
fn clock_of(app: &App, tags: &Tags) -> Option<Clock> {
    let time = tags.time?;
    Some(Clock::from_unix(time.0.div_euclid(1000), app.clock.offset))
}

fn back_note(missed: usize) -> String {
    match missed {
        0 => "back in the room; nothing was missed".to_owned(),
        1 => "back in the room; 1 line was missed:".to_owned(),
        n => format!("back in the room; {n} lines were missed:"),
    }
}

/// The seat could not be taken back: log in again with the name; the
/// history that follows is shown only from after the newest line we have.
fn refused(app: &mut App, reason: &str) -> Vec<Effect> {
    app.session.refused();
    note(
        app,
        format!(
            "could not take the seat back ({reason}); joining again as {}",
            app.name
        ),
    );
    vec![Effect::Send(app.name.clone())]
}

/// The link is gone. A seat taken by another connection, or lost to a
/// kick or a ban, is not ours to resume.
pub(super) fn on_closed(app: &mut App, keep_seat: bool) {
    app.session.closed();
    if !keep_seat {
        app.session.refused();
    }
}
