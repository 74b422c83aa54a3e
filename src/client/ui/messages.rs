//! The messages pane: the scrollback, wrapped to the pane, styled by kind,
//! scrolled by `App::scroll`, with an `N new` marker while scrolled up.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use crate::client::app::{App, Body, Entry};
use crate::client::classify::{Kind, Me, classify};
use crate::client::links;
use crate::client::text::{READ_MARKER, day_line};
use crate::client::wrap::wrap;
use crate::protocol::{ServerLine, sanitize};

use super::theme::Theme;

/// Continuation rows line up under the text, after the gutter and time.
pub const INDENT: usize = 8;

/// Marks own lines (for when colour is not seen).
const OWN_MARK: &str = "› ";
/// Marks lines that mention us or are private to us.
const MENTION_MARK: &str = "» ";
/// Marks the line a search found (it is also drawn reversed).
const HIT_MARK: &str = "⌕ ";
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

/// The bottom-border marker while searching or scrolled up.
fn marker(app: &App) -> Option<String> {
    if let Some(search) = &app.search {
        return Some(match (search.hit, search.exhausted) {
            (None, _) => " no match · Esc: live ".to_owned(),
            (Some(_), false) => " found · Enter: older · Esc: live ".to_owned(),
            (Some(_), true) => " no older match · Esc: live ".to_owned(),
        });
    }
    match (app.scroll, app.unseen) {
        (0, _) => None,
        (_, 0) => Some(" scrolled up · End: live ".to_owned()),
        (_, n) => Some(format!(" {n} new ↓ End: live ")),
    }
}

/// The rows that fit in `height`, scrolled `app.scroll` rows up. Only the
/// lines in view are wrapped: those below it are skipped by their counted
/// rows when the scrollback knows them.
pub(super) fn visible_rows(app: &App, width: usize, height: usize) -> Vec<Line<'static>> {
    let look = Look::new(app);
    let mut skip = app.scroll;
    let mut rows = Vec::new(); // newest first
    for (index, entry) in app.entries.iter().enumerate().rev() {
        if rows.len() >= height {
            break;
        }
        if let Some(count) = app.entries.rows_of(index, width, &app.name)
            && count <= skip
        {
            skip -= count;
            continue;
        }
        let lines = look.rows_at(entry, index, width);
        let below = skip.min(lines.len());
        skip -= below;
        rows.extend(lines.into_iter().rev().skip(below));
    }
    if rows.len() < height && app.scroll > 0 {
        return top_rows(&look, app, width, height);
    }
    rows.truncate(height);
    rows.reverse();
    rows
}

/// The oldest rows, for a scroll past the top of the history.
fn top_rows(look: &Look, app: &App, width: usize, height: usize) -> Vec<Line<'static>> {
    let mut rows = Vec::new();
    for (index, entry) in app.entries.iter().enumerate() {
        if rows.len() >= height {
            break;
        }
        rows.extend(look.rows_at(entry, index, width));
    }
    rows.truncate(height);
    rows
}

/// What styling a line needs besides the line: colours on or off, and who
/// "me" is (worked out once per draw, not once per line).
pub struct Look {
    theme: Theme,
    me: Me,
    /// Where the line a search found is.
    hit: Option<usize>,
    /// Quiet joins are hidden.
    hide_quiet: bool,
    timestamps: bool,
}

impl Look {
    pub fn new(app: &App) -> Look {
        Look {
            theme: Theme {
                no_color: app.no_color,
            },
            me: Me::new(&app.name),
            hit: app
                .search
                .as_ref()
                .and_then(|s| s.hit)
                .and_then(|id| app.entries.index_of(id)),
            hide_quiet: app.quiet.hide,
            timestamps: app.prefs.timestamps,
        }
    }

    fn rows(&self, entry: &Entry, width: usize) -> Vec<Line<'static>> {
        self.rows_marked(entry, width, false)
    }

    /// The rows of the line at `index`, marked if a search found it.
    fn rows_at(&self, entry: &Entry, index: usize, width: usize) -> Vec<Line<'static>> {
        self.rows_marked(entry, width, self.hit == Some(index))
    }

    fn rows_marked(&self, entry: &Entry, width: usize, hit: bool) -> Vec<Line<'static>> {
        if entry.quiet && self.hide_quiet {
            return Vec::new();
        }
        match entry.body {
            Body::Day => {
                return wrap(
                    &[Span::styled(day_line(entry), self.theme.notice())],
                    width,
                    0,
                );
            }
            Body::ReadMarker { live: false } => return Vec::new(),
            Body::ReadMarker { live: true } => return vec![read_marker(self.theme, width)],
            Body::Server(_) | Body::Note(_) => {}
        }
        let mut spans = self.spans(entry);
        if hit {
            spans[0] = Span::raw(HIT_MARK);
            emphasize(&mut spans, Modifier::REVERSED);
        }
        wrap(&spans, width, self.indent())
    }

    /// Continuation rows start under the text.
    fn indent(&self) -> usize {
        if self.timestamps {
            INDENT
        } else {
            NO_MARK.len()
        }
    }

    /// How many rows `entry` takes at `width`.
    pub fn row_count(&self, entry: &Entry, width: usize) -> usize {
        self.rows(entry, width).len()
    }

    /// One entry as styled spans: gutter mark, time, then the line by kind.
    fn spans(&self, entry: &Entry) -> Vec<Span<'static>> {
        let theme = self.theme;
        let kind = classify(&entry.body, &self.me);
        // History from a server without tags has no time of its own.
        let time = if entry.history && !entry.said {
            "hist ".to_owned()
        } else {
            format!("{} ", entry.clock)
        };
        let time = if self.timestamps { time } else { String::new() };
        let mut spans = vec![Span::raw(mark(kind)), Span::styled(time, theme.time())];
        spans.extend(links::underline(body_spans(theme, kind, &entry.body)));
        if kind.is_mention() || kind == Kind::PrivateIn {
            emphasize(&mut spans[2..], Modifier::BOLD);
        }
        if entry.history {
            emphasize(&mut spans, Modifier::DIM);
        }
        spans
    }
}

/// `── new ──` across the pane.
fn read_marker(theme: Theme, width: usize) -> Line<'static> {
    let text = READ_MARKER.trim_end_matches('─');
    let fill = width.saturating_sub(crate::client::wrap::width(text));
    let line = format!("{text}{}", "─".repeat(fill));
    Line::from(Span::styled(
        line,
        theme.error().add_modifier(Modifier::BOLD),
    ))
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
        Body::Day | Body::ReadMarker { .. } => return Vec::new(),
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
        notice @ (ServerLine::YouAre(_)
        | ServerLine::Online(_)
        | ServerLine::Arrived(_)
        | ServerLine::Left { .. }
        | ServerLine::Renamed { .. }
        | ServerLine::Bye(_)
        | ServerLine::Skipped(_)
        | ServerLine::HistoryStart(_)
        | ServerLine::HistoryEnd
        | ServerLine::TagsOn
        | ServerLine::Away { .. }
        | ServerLine::Back(_)
        | ServerLine::ResumedStart(_)
        | ServerLine::ResumedEnd
        | ServerLine::Session(_)
        | ServerLine::Ignoring(_)
        | ServerLine::NotIgnoring(_)
        | ServerLine::IgnoreList(_)
        | ServerLine::Notice(_)) => {
            vec![Span::styled(clean(&notice.to_string()), theme.notice())]
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::app::App;

    fn talkative(width: usize) -> App {
        let mut app = App::default();
        for i in 0..60 {
            let text = match i % 4 {
                0 => format!("bob: short {i}"),
                1 => format!("alice: {i} 你好世界 {}", "word ".repeat(i % 9)),
                2 => format!("bob -> alice: 👍🏽 family 👨‍👩‍👧 {i}"),
                _ => format!("* carol waves at alice {}", "x".repeat(i)),
            };
            app.push(Body::Server(ServerLine::parse(&text)));
        }
        let look = Look::new(&app);
        app.entries
            .total_rows(width, "alice", |e| look.row_count(e, width));
        app
    }

    /// Every row wrapped, then the window cut out: what the view must show.
    fn reference(app: &App, width: usize, height: usize) -> Vec<Line<'static>> {
        let look = Look::new(app);
        let all: Vec<_> = app
            .entries
            .iter()
            .flat_map(|e| look.rows(e, width))
            .collect();
        let scroll = app.scroll.min(all.len().saturating_sub(height));
        let end = all.len() - scroll;
        all[end.saturating_sub(height)..end].to_vec()
    }

    #[test]
    fn skipping_by_counts_shows_what_a_full_wrap_shows() {
        let height = 7;
        // Counted at 30 columns as alice: a rename or another width makes
        // the counts stale, and the view must not trust them.
        for (name, width) in [("alice", 30), ("bob", 30), ("alice", 25)] {
            let mut app = talkative(30);
            app.name = name.to_owned();
            let total: usize = app
                .entries
                .iter()
                .map(|e| Look::new(&app).row_count(e, width))
                .sum();
            for scroll in 0..total + 5 {
                app.scroll = scroll;
                assert_eq!(
                    visible_rows(&app, width, height),
                    reference(&app, width, height),
                    "{name} scrolled {scroll}"
                );
            }
        }
    }
}
