//! End to end: the real `chatty join` in tmux, its link cut by a relay
//! the way a dead network cuts it (the server keeps a silent ghost). The
//! client resumes its seat: the others see no leave and no arrival, and
//! the screen shows every line exactly once, the missed ones included.
//!
//! Without tmux the test prints a notice and passes, except under CI
//! (`CI` set), where it fails.

mod support;
mod tmux;

use support::proxy::Relay;
use support::{LineClient, ServerProcess};
use tmux::Tmux;

fn count(screen: &str, text: &str) -> usize {
    screen.matches(text).count()
}

#[tokio::test]
async fn a_cut_link_resumes_with_every_line_once() {
    let server = ServerProcess::start(&["--history", "50"]);
    let relay = Relay::start(server.addr).await;
    let mut bob = LineClient::connect(server.addr).await;
    bob.login("bob").await;
    bob.send("before the cut").await;
    let command = format!(
        "{} join --name alice --addr {}; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_chatty"),
        relay.addr
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    tmux.wait_for("in the room", |s| s.contains("Users (2)"))
        .await;
    bob.read_until("-- alice has arrived").await;
    tmux.type_line("said before");
    bob.read_until("alice: said before").await;
    tmux.wait_for("her own line", |s| s.contains("alice: said before"))
        .await;

    relay.cut().await;
    // While alice's seat is held, the room goes on; she must get these.
    for n in 1..=3 {
        bob.send(&format!("missed {n}")).await;
    }
    let screen = tmux
        .wait_for("the missed lines after the resume", |s| {
            s.contains("missed 3")
        })
        .await;
    assert!(
        screen.contains("back in the room; 3 lines were missed"),
        "{screen}"
    );
    bob.send("after the resume").await;
    let screen = tmux
        .wait_for("a live line", |s| s.contains("after the resume"))
        .await;
    for line in [
        "bob: before the cut",
        "alice: said before",
        "bob: missed 1",
        "bob: missed 2",
        "bob: missed 3",
        "bob: after the resume",
    ] {
        assert_eq!(count(&screen, line), 1, "{line} once:\n{screen}");
    }
    assert!(!screen.contains("name taken"), "{screen}");
    assert!(screen.contains("connected │ alice"), "{screen}");

    // Nobody else noticed: bob's next lines are his own, no leave or arrival.
    bob.send("/ping").await;
    let seen = bob.read_until("-- pong").await;
    assert!(
        !seen
            .iter()
            .any(|l| l.contains("has left") || l.contains("has arrived")),
        "{seen:?}"
    );

    // Ctrl-C says /quit: the room sees her leave at once.
    tmux.keys(&["C-c"]);
    bob.read_until("-- alice has left (quit)").await;
    tmux.wait_for("exit status 0", |s| s.contains("EXIT=0"))
        .await;
}
