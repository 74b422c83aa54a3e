//! The status bar: server address, connection state, own name (and
//! `(away)` while away).
//!
//! State and own name always show. When the bar is too narrow the address
//! is shortened first, then the state turns to a short word, then the
//! address goes; only a name wider than the whole bar is cut.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::client::app::{App, Link};
use crate::client::wrap::width;
use crate::protocol::sanitize;

use super::theme::Theme;
use super::users::truncate;

/// Fewest cells a shortened address keeps (with its `…`); below this it
/// says too little to be worth the room.
const MIN_ADDRESS: usize = 8;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = Theme {
        no_color: app.no_color,
    };
    let text = bar(app, usize::from(area.width));
    frame.render_widget(Paragraph::new(Line::from(text)).style(theme.status()), area);
}

/// The bar's text for a bar `cells` wide.
pub fn bar(app: &App, cells: usize) -> String {
    let addr = app.addr.to_string();
    let name = if app.away {
        format!("{} (away)", sanitize(&app.name))
    } else {
        sanitize(&app.name)
    };
    let short = sanitize(short_state(&app.link).as_ref());
    for state in [sanitize(&state(&app.link)), short.clone()] {
        let tail = format!(" │ {state} │ {name} ");
        let room = cells.saturating_sub(width(&tail) + 1);
        if width(&addr) <= room || room >= MIN_ADDRESS {
            return format!(" {}{tail}", truncate(&addr, room));
        }
    }
    let head = format!(" {short} │ ");
    if width(&head) + width(&name) < cells {
        return format!("{head}{name} ");
    }
    format!(
        "{head}{}",
        truncate(&name, cells.saturating_sub(width(&head)))
    )
}

/// The connection state in words.
pub fn state(link: &Link) -> String {
    match link {
        Link::Connecting => "connecting…".to_owned(),
        Link::Joining => "joining…".to_owned(),
        Link::ChoosingName => "name refused: type another".to_owned(),
        Link::Joined => "connected".to_owned(),
        Link::Quitting => "quitting…".to_owned(),
        Link::Reconnecting { in_secs } => format!("reconnecting in {in_secs}s"),
        Link::Offline { reason } => format!("offline ({reason}): Enter reconnects"),
        Link::Plain => "plain mode: not a chatty server".to_owned(),
    }
}

/// The state in a word or two, for narrow bars.
fn short_state(link: &Link) -> std::borrow::Cow<'static, str> {
    match link {
        Link::Connecting => "connecting".into(),
        Link::Joining => "joining".into(),
        Link::ChoosingName => "name refused".into(),
        Link::Joined => "connected".into(),
        Link::Quitting => "quitting".into(),
        Link::Reconnecting { in_secs } => format!("retry in {in_secs}s").into(),
        Link::Offline { .. } => "offline".into(),
        Link::Plain => "plain".into(),
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    fn app(addr: &str, name: &str, link: Link) -> App {
        let addr: SocketAddr = addr.parse().expect("an address");
        App {
            link,
            ..App::new(addr, name.to_owned())
        }
    }

    fn links() -> Vec<Link> {
        vec![
            Link::Connecting,
            Link::Joining,
            Link::ChoosingName,
            Link::Joined,
            Link::Quitting,
            Link::Reconnecting { in_secs: 30 },
            Link::Offline {
                reason: "idle".into(),
            },
        ]
    }

    #[test]
    fn wide_bars_say_everything() {
        let app = app("127.0.0.1:8000", "alice", Link::Reconnecting { in_secs: 4 });
        assert_eq!(
            bar(&app, 80),
            " 127.0.0.1:8000 │ reconnecting in 4s │ alice "
        );
    }

    #[test]
    fn state_and_name_always_show_at_40_columns() {
        for link in links() {
            for (addr, name) in [
                ("127.0.0.1:8000", "alice"),
                ("[2001:db8::1234:5678]:65000", "bartholomew_the_third"),
            ] {
                let app = app(addr, name, link.clone());
                let text = bar(&app, 40);
                assert!(width(&text) <= 40, "{text:?}");
                assert!(text.contains(name), "{text:?}");
                let short = short_state(&link);
                assert!(
                    text.contains(&state(&link)) || text.contains(short.as_ref()),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn the_address_is_shortened_first() {
        let waiting = app(
            "127.0.0.1:8000",
            "alice",
            Link::Reconnecting { in_secs: 12 },
        );
        assert_eq!(
            bar(&waiting, 40),
            " 127.0.0… │ reconnecting in 12s │ alice "
        );
        let refused = app("127.0.0.1:8000", "alice", Link::ChoosingName);
        assert_eq!(bar(&refused, 40), " 127.0.0.1:8000 │ name refused │ alice ");
    }

    #[test]
    fn only_a_name_wider_than_the_bar_is_cut() {
        let long = app(
            "127.0.0.1:8000",
            "小明小明小明小明小明小明小明",
            Link::Joined,
        );
        let text = bar(&long, 20);
        assert_eq!(text, " connected │ 小明小…");
        assert!(width(&text) <= 20);
        bar(&long, 0);
    }
}
