//! Resuming across the servers of one room: after a server died, and
//! while the old link is a ghost on a live one; a dead server's held seat.

mod support;

use std::time::Duration;

use chatty::server::Config;
use support::cluster::{LEASE, doomed, logs, node_config, nodes, seq_of, untagged};
use support::redis::{Persistence, Redis};
use support::{LineClient, TestServer};

/// Alice, tagged, on the first server and `other` on the second: alice's
/// link, her tags, the other member and the arrival line alice read.
async fn alice_and(
    servers: &[TestServer],
    other: &str,
) -> (LineClient, chatty::protocol::Tags, LineClient, String) {
    let mut alice = servers[0].connect().await;
    let tags = alice.login_tagged("alice").await;
    let member = servers[1].join(other).await;
    let arrival = alice.next_line().await.expect("the other's arrival");
    (alice, tags, member, arrival)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_server_s_tagged_member_resumes_on_another_with_what_it_missed() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let mut doomed = doomed(&redis);
    let survivor = TestServer::start(node_config(&redis, LEASE)).await;
    let mut alice = LineClient::connect(doomed.addr).await;
    let tags = alice.login_tagged("alice").await;
    let token = tags.session.expect("a session");
    let mut dave = LineClient::connect(doomed.addr).await;
    dave.login("dave").await;
    let mut bob = survivor.join("bob").await;
    alice.next_line().await.expect("dave's arrival");
    let last = alice.next_line().await.expect("bob's arrival");
    assert!(last.ends_with("-- bob has arrived"), "{last}");
    doomed.child.kill().expect("kill -9");
    doomed.child.wait().expect("reaped");
    // The untagged member leaves; the tagged one's seat is held.
    bob.expect("-- dave has left (server lost)").await;
    bob.send("while you were out").await;
    bob.send("/msg alice psst").await;
    bob.read_until("bob -> alice: psst").await;
    let mut back = survivor.greeted().await;
    back.send("/tags").await;
    back.expect("-- tags on").await;
    back.send(&format!("/resume {token} {}", seq_of(&last)))
        .await;
    let you_are = back.next_line().await.expect("you are");
    assert!(you_are.ends_with(" -- you are alice"), "{you_are}");
    let session = chatty::protocol::Tagged::parse(&you_are).tags.session;
    assert!(session.is_some_and(|s| s != token), "a new token");
    back.expect("-- online (2): alice, bob").await;
    back.expect("-- resumed (3)").await;
    let mut missed = Vec::new();
    for _ in 0..3 {
        missed.push(untagged(&back.next_line().await.expect("a missed line")));
    }
    assert_eq!(
        missed,
        [
            "-- dave has left (server lost)",
            "bob: while you were out",
            "bob -> alice: psst"
        ]
    );
    back.expect("-- end of resumed").await;
    // Nobody else noticed anything.
    let seen = bob.sync().await;
    assert!(seen.is_empty(), "{seen:?}");
    back.send("back").await;
    bob.expect("alice: back").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_resumes_on_another_server_while_the_old_link_is_a_ghost() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let servers = nodes(&redis, 2).await;
    let (mut ghost, tags, mut bob, _) = alice_and(&servers, "bob").await;
    let (token, seq) = (tags.session.expect("session"), tags.seq.expect("seq"));
    // Her token is good on other servers once it is in the log.
    ghost.sync().await;
    let mut back = servers[1].greeted().await;
    back.send(&format!("/resume {token} {seq}")).await;
    back.expect("-- you are alice").await;
    back.expect("-- online (2): alice, bob").await;
    back.expect("-- resumed (1)").await;
    back.expect("-- bob has arrived").await;
    back.expect("-- end of resumed").await;
    ghost.expect("-- bye (resumed elsewhere)").await;
    ghost.expect_end().await;
    // The old token is used up.
    let mut again = servers[0].greeted().await;
    again.send(&format!("/resume {token} {seq}")).await;
    again
        .expect("! cannot resume: unknown or expired session")
        .await;
    let seen = bob.sync().await;
    assert!(seen.is_empty(), "{seen:?}");
    back.send("/quit").await;
    bob.expect("-- alice has left (quit)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_server_s_held_seat_is_given_up_after_the_window() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let mut doomed = doomed(&redis);
    let config = Config {
        resume_window: Some(Duration::from_secs(1)),
        ..node_config(&redis, LEASE)
    };
    let survivor = TestServer::start(config).await;
    let mut alice = LineClient::connect(doomed.addr).await;
    alice.login_tagged("alice").await;
    let mut bob = survivor.join("bob").await;
    alice.next_line().await.expect("bob's arrival");
    doomed.child.kill().expect("kill -9");
    doomed.child.wait().expect("reaped");
    bob.expect("-- alice has left (server lost)").await;
    bob.send("/names").await;
    bob.expect("-- online (1): bob").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whom_a_member_ignores_moves_with_it_to_another_server() {
    logs();
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let servers = nodes(&redis, 2).await;
    let (mut ghost, tags, mut eve, arrival) = alice_and(&servers, "eve").await;
    let token = tags.session.expect("session");
    ghost.send("/ignore eve").await;
    ghost.expect("-- ignoring eve").await;
    ghost.sync().await;
    eve.send("noise while she is away").await;
    eve.send("/me waves").await;
    eve.sync().await;
    let mut back = servers[1].greeted().await;
    back.send(&format!("/resume {token} {}", seq_of(&arrival)))
        .await;
    back.expect("-- you are alice").await;
    back.expect("-- online (2): alice, eve").await;
    back.expect("-- resumed (0)").await;
    back.expect("-- end of resumed").await;
    eve.send("more noise").await;
    eve.sync().await;
    back.send("/ignore").await;
    back.expect("-- ignoring (1): eve").await;
    back.send("/unignore eve").await;
    back.expect("-- no longer ignoring eve").await;
    eve.send("heard").await;
    back.expect("eve: heard").await;
}
