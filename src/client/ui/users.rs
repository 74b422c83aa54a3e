//! The users pane: `Users (N)` and the names, own name marked (`•`) and
//! bold, those away (ourselves too) dim and marked `z` (not by colour
//! alone).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::client::app::{App, Link};
use crate::client::classify::Me;
use crate::protocol::{Name, sanitize};

use super::theme::Theme;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    if area.width == 0 {
        return;
    }
    let title = match app.link {
        Link::Plain => " Users (?) ".to_owned(),
        _ => format!(" Users ({}) ", app.users.len()),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(title);
    let inner = block.inner(area);
    let rows = rows(app, usize::from(inner.width), usize::from(inner.height));
    frame.render_widget(Paragraph::new(rows).block(block), area);
}

/// One row per name; `+N more` on the last row when they do not fit.
fn rows(app: &App, width: usize, height: usize) -> Vec<Line<'static>> {
    if app.link == Link::Plain {
        return vec![Line::from(truncate("unknown", width))];
    }
    let count = app.users.len();
    let me = Me::new(&app.name);
    let shown = if count > height {
        height.saturating_sub(1)
    } else {
        count
    };
    let mut rows: Vec<Line<'static>> = app
        .users
        .iter()
        .take(shown)
        .map(|n| row(app, &me, n, width))
        .collect();
    if shown < count {
        rows.push(Line::from(format!("+{} more", count - shown)));
    }
    rows
}

fn row(app: &App, me: &Me, name: &Name, width: usize) -> Line<'static> {
    let theme = Theme {
        no_color: app.no_color,
    };
    let own = me.is(name);
    let away = app.users.is_away(name);
    // Own name bold; `z` for away wins the mark, own or not.
    let plain = theme.name(name.as_str());
    let bold = plain.add_modifier(Modifier::BOLD);
    let (mark, mut style) = match (own, away) {
        (true, true) => ("z ", bold),
        (true, false) => ("• ", bold),
        (false, true) => ("z ", plain),
        (false, false) => ("  ", plain),
    };
    if away {
        style = style.add_modifier(Modifier::DIM);
    }
    let text = truncate(&sanitize(name.as_str()), width.saturating_sub(2));
    Line::from(vec![Span::raw(mark), Span::styled(text, style)])
}

/// Cuts `text` to `width` cells, ending in `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in text.graphemes(true) {
        if used + g.width() + 1 > width {
            break;
        }
        used += g.width();
        out.push_str(g);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_by_width() {
        assert_eq!(truncate("bartholomew", 6), "barth…");
        assert_eq!(truncate("小明小明", 5), "小明…");
        assert_eq!(truncate("bob", 6), "bob");
    }
}
