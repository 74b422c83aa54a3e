//! Login: from a fresh connection to a reserved name, or to a bye.
//!
//! The client has its own outbox but is not in the room yet; only a valid
//! name that the room accepted turns it into a member.

use std::net::SocketAddr;

use tokio::io::AsyncRead;
use tokio::time::{Instant, sleep};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use super::connection::Context;
use super::outbox::Outbox;
use super::rate::TokenBucket;
use super::room::{ConnId, JoinReply, Request, taken, too_long};
use super::session::next_frame;
use crate::protocol::{
    ByeReason, Command, Frame, LineCodec, Name, NameError, ServerLine, sanitize,
};

/// The text after `-- ` of the first lines every connection gets.
const GREETING: &str = include_str!("../../assets/greeting.txt");

/// How a login ended.
#[derive(Debug)]
pub enum Login {
    /// In the room under this id; `kicked` fires when the room closes it.
    Joined {
        id: ConnId,
        kicked: CancellationToken,
    },
    /// Not joined; any last line is already queued.
    Ended,
}

/// Greets the client and reads lines until one is an accepted name, the
/// login timeout passes, or the client leaves. Flood control applies here
/// too, so a client cannot flood the room with join attempts.
pub async fn login<R: AsyncRead + Unpin>(
    lines: &mut FramedRead<R, LineCodec>,
    mut outbox: Outbox,
    peer: SocketAddr,
    bucket: &mut TokenBucket,
    context: &Context,
) -> Login {
    // `peer` is the client's real address (behind a trusted proxy too).
    if let Ok(false) = context.room.admits(peer.ip()).await {
        return bye(outbox, ByeReason::Banned(None), context);
    }
    for line in GREETING.lines().filter(|l| !l.trim().is_empty()) {
        outbox.push(ServerLine::notice(line).to_bytes());
    }
    let deadline = sleep(context.config.login_timeout);
    tokio::pin!(deadline);
    let mut http = HttpCheck::First;
    let mut tags = false;
    loop {
        let wait = bucket.wait(Instant::now());
        let frame = tokio::select! {
            () = sleep(wait), if !wait.is_zero() => {
                context.metrics.throttled(wait);
                continue;
            }
            frame = next_frame(lines), if wait.is_zero() => frame,
            () = &mut deadline => return bye(outbox, ByeReason::LoginTimeout, context),
            () = context.shutdown.cancelled() => {
                return bye(outbox, ByeReason::ShuttingDown, context);
            }
        };
        bucket.take(Instant::now());
        let text = match frame {
            None => {
                context.metrics.disconnect("closed");
                return Login::Ended;
            }
            Some(Frame::TooLong) => {
                http.too_long();
                outbox.push(too_long(context.config.max_line_bytes).to_bytes());
                continue;
            }
            Some(Frame::Line(raw)) => sanitize(&raw),
        };
        if text.is_empty() {
            continue;
        }
        if http.is_http(&text) {
            context.metrics.disconnect("http");
            return refuse_http(outbox);
        }
        let attempt = match Command::parse(&text) {
            Command::Tags => {
                tags = true;
                outbox.push(ServerLine::TagsOn.to_bytes());
                continue;
            }
            Command::Resume { token, seq } => {
                let ask = |reply| Request::Resume {
                    token,
                    seq,
                    outbox,
                    peer,
                    tags,
                    reply,
                };
                try_join(ask, context).await
            }
            Command::Usage(usage @ "/resume TOKEN [SEQ]") => {
                outbox.push(ServerLine::error(format!("usage: {usage}")).to_bytes());
                continue;
            }
            _ if is_login_command(&text) => {
                outbox.push(ServerLine::error("choose a name first").to_bytes());
                continue;
            }
            _ => try_name(&text, outbox, peer, tags, context).await,
        };
        match attempt {
            Attempt::Joined(login) => return login,
            Attempt::Again(back) => outbox = back,
        }
    }
}

enum Attempt {
    Joined(Login),
    Again(Outbox),
}

async fn try_name(
    text: &str,
    outbox: Outbox,
    peer: SocketAddr,
    tags: bool,
    context: &Context,
) -> Attempt {
    let name = match Name::parse(text) {
        Ok(name) => name,
        Err(err) => {
            outbox.push(refusal(&err, context).await.to_bytes());
            return Attempt::Again(outbox);
        }
    };
    let ask = |reply| Request::Join {
        name,
        outbox,
        peer,
        tags,
        reply,
    };
    try_join(ask, context).await
}

/// Asks the room to join or resume; a refusal hands the outbox back.
async fn try_join(
    ask: impl FnOnce(tokio::sync::oneshot::Sender<JoinReply>) -> Request,
    context: &Context,
) -> Attempt {
    match context.room.join(ask).await {
        Ok(JoinReply::Joined { id, kicked }) => Attempt::Joined(Login::Joined { id, kicked }),
        Ok(JoinReply::Taken { name, outbox }) => {
            outbox.push(taken(name.as_str()).to_bytes());
            Attempt::Again(outbox)
        }
        Ok(JoinReply::Banned { name, outbox }) => {
            let error = format!("name \"{name}\" is banned");
            outbox.push(ServerLine::error(error).to_bytes());
            Attempt::Again(outbox)
        }
        Ok(JoinReply::Unavailable { outbox }) => {
            outbox.push(ServerLine::unavailable().to_bytes());
            Attempt::Again(outbox)
        }
        Ok(JoinReply::Refused { reason, outbox }) => {
            let error = format!("cannot resume: {reason}");
            outbox.push(ServerLine::error(error).to_bytes());
            Attempt::Again(outbox)
        }
        // The room has shut down; the outbox went with the request.
        Err(_) => {
            context.metrics.bye(&ByeReason::ShuttingDown);
            Attempt::Joined(Login::Ended)
        }
    }
}

/// The error for a refused name: "taken" when it only looks like a
/// member's name in other scripts, else why it is invalid.
async fn refusal(err: &NameError, context: &Context) -> ServerLine {
    if let Some(skeleton) = err.lookalike()
        && let Ok(true) = context.room.is_taken(skeleton.clone()).await
    {
        return taken(err.quoted());
    }
    ServerLine::error(err.to_string())
}

fn bye(outbox: Outbox, reason: ByeReason, context: &Context) -> Login {
    context.metrics.bye(&reason);
    outbox.push_last(ServerLine::Bye(reason).to_bytes());
    Login::Ended
}

fn refuse_http(outbox: Outbox) -> Login {
    let error =
        "this is a chat server, not a web server: connect with `nc HOST PORT` or `chatty join`";
    outbox.push_last(ServerLine::error(error).to_bytes());
    Login::Ended
}

/// A line starting with `/`, which no name does. Apart from `/tags` and
/// `/resume`, every command before the name gets `! choose a name
/// first`, `/quit` included, and login goes on.
fn is_login_command(line: &str) -> bool {
    line.starts_with('/')
}

/// Where a login is in telling an HTTP request from a chat client: only
/// the first non-empty line may be a request line, and a header-shaped
/// line counts only right after a first line too long to read (a request
/// with a huge URL). Everything else is a name, good or bad.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HttpCheck {
    /// No line yet.
    First,
    /// The first line was too long to read.
    AfterLongFirst,
    /// Past the lines that can tell.
    Over,
}

impl HttpCheck {
    /// A line too long to read arrived.
    fn too_long(&mut self) {
        *self = match self {
            HttpCheck::First => HttpCheck::AfterLongFirst,
            HttpCheck::AfterLongFirst | HttpCheck::Over => HttpCheck::Over,
        };
    }

    /// Whether this non-empty line shows the client speaks HTTP.
    fn is_http(&mut self, line: &str) -> bool {
        let http = match self {
            HttpCheck::First => is_http_request(line),
            HttpCheck::AfterLongFirst => is_http_header(line),
            HttpCheck::Over => false,
        };
        *self = HttpCheck::Over;
        http
    }
}

/// `METHOD TARGET HTTP/x`: a browser or a web request, not a chat client.
fn is_http_request(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let (Some(method), Some(_target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return false;
    };
    method.chars().all(|c| c.is_ascii_uppercase()) && version.starts_with("HTTP/")
}

/// `Field-Name: value`: an HTTP header, as it follows a request line.
fn is_http_header(line: &str) -> bool {
    let Some((field, _value)) = line.split_once(':') else {
        return false;
    };
    !field.is_empty()
        && field
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

#[cfg(test)]
mod tests {
    use super::{HttpCheck, is_http_header, is_http_request, is_login_command};

    #[test]
    fn recognizes_http_request_lines() {
        assert!(is_http_request("GET / HTTP/1.1"));
        assert!(is_http_request("POST /form HTTP/1.0"));
        assert!(!is_http_request("alice"));
        assert!(!is_http_request("GET me HTTP"));
        assert!(!is_http_request("get / HTTP/1.1"));
    }

    #[test]
    fn recognizes_http_headers() {
        assert!(is_http_header("Host: 127.0.0.1:8000"));
        assert!(is_http_header("Content-Type: text/plain"));
        assert!(is_http_header("X-Empty:"));
        assert!(!is_http_header("alice"));
        assert!(!is_http_header("a name: with spaces"));
        assert!(!is_http_header(": nothing"));
    }

    #[test]
    fn only_the_first_line_may_be_a_request_line() {
        let mut check = HttpCheck::First;
        assert!(check.is_http("GET / HTTP/1.1"));
        let mut check = HttpCheck::First;
        assert!(!check.is_http("alice"));
        assert!(!check.is_http("GET / HTTP/1.1"));
    }

    #[test]
    fn a_header_counts_only_right_after_a_long_first_line() {
        let mut check = HttpCheck::First;
        assert!(!check.is_http("Host: x"), "a first line is no header");
        let mut check = HttpCheck::First;
        check.too_long();
        assert!(check.is_http("Host: x"));
        let mut check = HttpCheck::First;
        check.too_long();
        assert!(!check.is_http("alice"));
        assert!(!check.is_http("Host: x"), "not right after the long line");
        let mut check = HttpCheck::First;
        assert!(!check.is_http("alice"));
        check.too_long();
        assert!(!check.is_http("Host: x"), "the long line was not the first");
    }

    #[test]
    fn every_slash_line_is_a_login_command() {
        for line in ["/names", "/quit", "/tags", "/resume t 1", "/", "//x"] {
            assert!(is_login_command(line), "{line}");
        }
        assert!(!is_login_command("alice"));
    }
}
