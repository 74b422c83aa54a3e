//! Links: `http://` and `https://` URLs in lines are found, drawn
//! underlined, and Ctrl-O opens the newest one in view with the system
//! opener. Only those two schemes count, so nothing from the network can
//! make the opener run a program or read a file.

use ratatui::style::Modifier;
use ratatui::text::Span;

/// Characters that end a URL when they are its last (sentence punctuation).
const TRAILING: &[char] = &['.', ',', ';', ':', '!', '?', '\'', '"', ')', ']', '}', '>'];

/// The byte ranges of the URLs in `text`.
pub fn find(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = next_start(&text[from..]).map(|i| i + from) {
        let rest = &text[start..];
        let len = rest
            .find(|c: char| c.is_whitespace() || c == '<')
            .unwrap_or(rest.len());
        let url = trim_trailing(&rest[..len]);
        if url.len() > scheme_len(url) {
            found.push(start..start + url.len());
        }
        from = start + len.max(1);
    }
    found
}

fn next_start(text: &str) -> Option<usize> {
    let http = text.find("http://");
    let https = text.find("https://");
    match (http, https) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn scheme_len(url: &str) -> usize {
    if url.starts_with("https://") { 8 } else { 7 }
}

/// Drops trailing punctuation, keeping a `)` that closes a `(` in the URL.
fn trim_trailing(url: &str) -> &str {
    let mut url = url;
    while let Some(last) = url.chars().last() {
        let balanced = last == ')' && url.matches('(').count() >= url.matches(')').count();
        if !TRAILING.contains(&last) || balanced {
            break;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
    url
}

/// The last URL in `text`.
pub fn last(text: &str) -> Option<&str> {
    find(text).pop().map(|range| &text[range])
}

/// The spans with every URL inside them underlined (split as needed).
pub fn underline(spans: Vec<Span<'static>>) -> Vec<Span<'static>> {
    let mut out = Vec::with_capacity(spans.len());
    for span in spans {
        let text = span.content.to_string();
        let urls = find(&text);
        if urls.is_empty() {
            out.push(span);
            continue;
        }
        let mut at = 0;
        for range in urls {
            if range.start > at {
                out.push(Span::styled(text[at..range.start].to_owned(), span.style));
            }
            let style = span.style.add_modifier(Modifier::UNDERLINED);
            out.push(Span::styled(text[range.clone()].to_owned(), style));
            at = range.end;
        }
        if at < text.len() {
            out.push(Span::styled(text[at..].to_owned(), span.style));
        }
    }
    out
}

/// The program that opens a URL on this system.
pub fn opener() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    }
}

/// Starts the opener for `url`, without a shell and without waiting for it;
/// a thread reaps it. Its output goes nowhere (it would scribble on the
/// screen).
pub fn open(url: &str) -> std::io::Result<()> {
    use std::process::{Command, Stdio};
    let mut child = Command::new(opener())
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_found_without_their_punctuation() {
        let text = "see https://example.org/a?b=1, and (http://x.io/wiki/Rust_(language)).";
        let urls: Vec<&str> = find(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            urls,
            [
                "https://example.org/a?b=1",
                "http://x.io/wiki/Rust_(language)"
            ]
        );
        assert_eq!(last("nothing here, not even http://"), None);
        assert_eq!(last("ftp://x javascript:alert(1)"), None);
        assert_eq!(
            last("你好 https://例子.测试/路径 👍"),
            Some("https://例子.测试/路径")
        );
    }

    #[test]
    fn underlining_splits_spans() {
        let spans = underline(vec![Span::raw("go to https://a.b now")]);
        let parts: Vec<(&str, bool)> = spans
            .iter()
            .map(|s| {
                (
                    s.content.as_ref(),
                    s.style.add_modifier.contains(Modifier::UNDERLINED),
                )
            })
            .collect();
        assert_eq!(
            parts,
            [("go to ", false), ("https://a.b", true), (" now", false)]
        );
    }
}
