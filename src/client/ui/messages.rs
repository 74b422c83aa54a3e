//! The messages pane: the scrollback, wrapped to the pane, styled by kind,
//! scrolled by `App::scroll`, with an `N new` marker while scrolled up.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use crate::client::app::{App, Body, Entry};
use crate::client::classify::{Kind, classify};
use crate::client::wrap::wrap;
use crate::protocol::{ServerLine, sanitize};

use super::theme::Theme;

/// Continuation rows line up under the text, after the gutter and time.
pub const INDENT: usize = 8;

/// Marks own lines (for when colour is not seen).
const OWN_MARK: &str = "› ";
/// Marks lines that mention us or are private to us.
const MENTION_MARK: &str = "» ";
const NO_MARK: &str = "  ";

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(" chatty ");
    if let Some(marker) = marker(app) {
        block = block.title_bottom(Line::from(marker).right_aligned());
    }
    let inner = block.inner(area);
    let rows = visible_rows(app, usize::from(inner.width), usize::from(inner.height));
    frame.render_widget(Paragraph::new(rows).block(block), area);
}

/// The bottom-border marker while scrolled up.
fn marker(app: &App) -> Option<String> {
    match (app.scroll, app.unseen) {
        (0, _) => None,
        (_, 0) => Some(" scrolled up · End: live ".to_owned()),
        (_, n) => Some(format!(" {n} new ↓ End: live ")),
    }
}

/// The rows that fit in `height`, scrolled `app.scroll` rows up.
fn visible_rows(app: &App, width: usize, height: usize) -> Vec<Line<'static>> {
    let needed = app.scroll + height;
    let mut rows = Vec::new(); // newest first
    for entry in app.entries.iter().rev() {
        rows.extend(entry_rows(app, entry, width).into_iter().rev());
        if rows.len() >= needed {
            break;
        }
    }
    let scroll = app.scroll.min(rows.len().saturating_sub(height));
    let end = rows.len().min(scroll + height);
    rows.drain(scroll..end).rev().collect()
}

/// How many rows `entry` takes at `width`.
pub fn row_count(app: &App, entry: &Entry, width: usize) -> usize {
    entry_rows(app, entry, width).len()
}

/// Rows all entries take at `width`.
pub fn total_rows(app: &App, width: usize) -> usize {
    app.entries.iter().map(|e| row_count(app, e, width)).sum()
}

fn entry_rows(app: &App, entry: &Entry, width: usize) -> Vec<Line<'static>> {
    wrap(&entry_spans(app, entry), width, INDENT)
}

/// One entry as styled spans: gutter mark, time, then the line by kind.
pub fn entry_spans(app: &App, entry: &Entry) -> Vec<Span<'static>> {
    let theme = Theme {
        no_color: app.no_color,
    };
    let kind = classify(&entry.body, &app.name);
    let time = if entry.history {
        "hist ".to_owned()
    } else {
        format!("{} ", entry.clock)
    };
    let mut spans = vec![Span::raw(mark(kind)), Span::styled(time, theme.time())];
    spans.extend(body_spans(theme, kind, &entry.body));
    if kind.is_mention() || kind == Kind::PrivateIn {
        emphasize(&mut spans[2..], Modifier::BOLD);
    }
    if entry.history {
        emphasize(&mut spans, Modifier::DIM);
    }
    spans
}

fn mark(kind: Kind) -> &'static str {
    if kind.wants_attention() {
        MENTION_MARK
    } else if kind.is_own() {
        OWN_MARK
    } else {
        NO_MARK
    }
}

fn emphasize(spans: &mut [Span<'static>], modifier: Modifier) {
    for span in spans {
        span.style = span.style.add_modifier(modifier);
    }
}

fn body_spans(theme: Theme, kind: Kind, body: &Body) -> Vec<Span<'static>> {
    let line = match body {
        Body::Note(text) => return vec![Span::styled(format!("~ {}", clean(text)), theme.note())],
        Body::Server(line) => line,
    };
    let own = kind.is_own();
    match line {
        ServerLine::Message { from, text } => vec![
            name_span(theme, from.as_str(), own),
            Span::raw(": "),
            Span::raw(clean(text)),
        ],
        ServerLine::Action { from, text } => vec![
            Span::raw("* "),
            name_span(theme, from.as_str(), own),
            Span::styled(
                format!(" {}", clean(text)),
                Style::default().add_modifier(Modifier::ITALIC),
            ),
        ],
        ServerLine::Private { from, to, text } => {
            private_spans(theme, kind, from.as_str(), to.as_str(), text)
        }
        ServerLine::Error(text) => vec![Span::styled(format!("! {}", clean(text)), theme.error())],
        ServerLine::Unknown(text) => vec![Span::raw(clean(text))],
        notice => vec![Span::styled(clean(&notice.to_string()), theme.notice())],
    }
}

fn private_spans(theme: Theme, kind: Kind, from: &str, to: &str, text: &str) -> Vec<Span<'static>> {
    let (label, who) = if kind == Kind::PrivateOut {
        ("[to ", to)
    } else {
        ("[from ", from)
    };
    vec![
        Span::styled(label, theme.private()),
        name_span(theme, who, false),
        Span::styled("] ", theme.private()),
        Span::styled(clean(text), theme.private()),
    ]
}

fn name_span(theme: Theme, name: &str, own: bool) -> Span<'static> {
    let style = theme.name(name).add_modifier(Modifier::BOLD);
    let style = if own {
        style.add_modifier(Modifier::UNDERLINED)
    } else {
        style
    };
    Span::styled(clean(name), style)
}

/// Text from the network is sanitized again right before it is drawn.
fn clean(text: &str) -> String {
    sanitize(text)
}
