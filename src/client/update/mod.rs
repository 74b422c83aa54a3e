//! The pure heart of the client: `update(&mut App, Event) -> Vec<Effect>`.
//!
//! It never awaits and never touches the socket or the terminal; the loop
//! in `mod.rs` performs the effects it returns. Every rule of the client
//! (keys, server lines, reconnecting) lives here and is unit-tested, one
//! file per concern: `keys` edits and moves, `sending` turns Enter and
//! pastes into lines, `net` applies what the socket task reports,
//! `scroll` keeps the view, `allday` holds the keys and commands for
//! all-day use (search, quiet joins, links, the users pane).

mod allday;
mod keys;
mod net;
mod resume;
mod scroll;
mod sending;

use super::app::App;
use super::event::{Effect, Event};
use super::net::Login;

/// The effects to start with: connect at once.
pub fn start(app: &mut App) -> Vec<Effect> {
    vec![connect(app)]
}

/// Applies one event to the model and says what the loop must do.
pub fn update(app: &mut App, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) => keys::on_key(app, key),
        Event::Paste(text) => sending::on_paste(app, &text),
        Event::Resize(width, height) => {
            app.size = (width, height);
            scroll::clamp(app);
            Vec::new()
        }
        Event::Scroll(notches) => {
            scroll::on_wheel(app, notches);
            Vec::new()
        }
        Event::SendSlot => sending::next_waiting(app),
        Event::Signal(signal) => keys::on_signal(app, signal),
        Event::Focus(focused) => {
            app.focused = Some(focused);
            if !focused {
                app.mark_read();
            }
            Vec::new()
        }
        Event::Net(event) => net::on_net(app, event),
    }
}

/// Connect: tags on, then the seat back if there is one, else the name.
fn connect(app: &mut App) -> Effect {
    Effect::Connect {
        login: Login {
            chatty: app.session.login(&app.name),
            other: app.name.clone(),
        },
        attempt: app.attempt,
    }
}

#[cfg(test)]
mod tests;
