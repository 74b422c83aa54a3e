//! Hyperlinks: where the URLs of the messages pane are on the screen,
//! so the terminal guard can write those cells again inside an OSC 8 escape
//! (`client::osc8`) that makes them clickable.

use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::Line;

use crate::client::app::App;
use crate::client::links;
use crate::client::wrap;

use super::{layout, messages};

/// A URL in view and the cells it covers (a wrapped URL covers several
/// runs, one per row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hyperlink {
    pub url: String,
    pub runs: Vec<Run>,
}

/// `width` cells from `at`, on one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub at: Position,
    pub width: u16,
}

/// The URLs drawn in the messages pane of a screen of `area`.
pub fn find(app: &App, area: Rect) -> Vec<Hyperlink> {
    let pane = layout::panes(area, &app.prefs).messages;
    if pane.width < 3 || pane.height < 3 {
        return Vec::new();
    }
    let inner = Rect::new(pane.x + 1, pane.y + 1, pane.width - 2, pane.height - 2);
    let rows = messages::visible_rows(app, usize::from(inner.width), usize::from(inner.height));
    let mut found = Collector::default();
    for (line, y) in rows.iter().zip(inner.y..) {
        found.row(line, inner.x, y);
    }
    found.close();
    found.links
}

/// Joins the underlined pieces of consecutive rows into URLs.
#[derive(Default)]
struct Collector {
    links: Vec<Hyperlink>,
    open: Option<(String, Vec<Run>)>,
}

impl Collector {
    fn row(&mut self, line: &Line<'_>, x: u16, y: u16) {
        let mut x = x;
        let mut leading = true;
        for span in &line.spans {
            let text = span.content.as_ref();
            let width = u16::try_from(wrap::width(text)).unwrap_or(u16::MAX);
            if span.style.add_modifier.contains(Modifier::UNDERLINED) {
                self.piece(
                    text,
                    Run {
                        at: Position::new(x, y),
                        width,
                    },
                );
            } else if !(leading && text.trim().is_empty()) {
                // Text between two underlined pieces ends a URL; a wrapped
                // row's indent does not.
                self.close();
            }
            leading &= text.trim().is_empty();
            x = x.saturating_add(width);
        }
    }

    fn piece(&mut self, text: &str, run: Run) {
        let starts_anew = text.starts_with("http://") || text.starts_with("https://");
        match &mut self.open {
            Some((url, runs)) if !starts_anew => {
                url.push_str(text);
                runs.push(run);
            }
            _ => {
                self.close();
                self.open = Some((text.to_owned(), vec![run]));
            }
        }
    }

    /// Keeps the open run if it is exactly one URL (an own name is
    /// underlined too, and is not one).
    fn close(&mut self) {
        let Some((url, runs)) = self.open.take() else {
            return;
        };
        if links::find(&url).first() == Some(&(0..url.len())) {
            self.links.push(Hyperlink { url, runs });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::app::Body;
    use crate::protocol::ServerLine;

    fn app_with(lines: &[&str]) -> App {
        let mut app = App {
            name: "alice".to_owned(),
            ..App::default()
        };
        for line in lines {
            app.push(Body::Server(ServerLine::parse(line)));
        }
        app
    }

    #[test]
    fn a_url_is_found_where_it_is_drawn() {
        let app = app_with(&["bob: see https://example.org/a now"]);
        let links = find(&app, Rect::new(0, 0, 80, 10));
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].url, "https://example.org/a");
        let run = links[0].runs[0];
        // Border, gutter (2), time (6), "bob: see " (9); the first row in.
        assert_eq!(
            run,
            Run {
                at: Position::new(18, 1),
                width: 21
            }
        );
    }

    #[test]
    fn a_wrapped_url_is_one_link_over_two_rows() {
        let url = format!("https://example.org/{}", "x".repeat(40));
        let app = app_with(&[&format!("bob: {url}")]);
        let links = find(&app, Rect::new(0, 0, 40, 10));
        assert_eq!(links.len(), 1, "{links:?}");
        assert_eq!(links[0].url, url);
        assert!(links[0].runs.len() >= 2);
        let width: u16 = links[0].runs.iter().map(|r| r.width).sum();
        assert_eq!(usize::from(width), url.len());
    }

    #[test]
    fn two_urls_side_by_side_and_an_own_name_are_told_apart() {
        let app = app_with(&["alice: http://a.io http://b.io", "bob: plain words"]);
        let urls: Vec<String> = find(&app, Rect::new(0, 0, 80, 10))
            .into_iter()
            .map(|l| l.url)
            .collect();
        assert_eq!(urls, ["http://a.io", "http://b.io"]);
    }
}
