//! End to end: the real `chatty join` in tmux on a room of two servers
//! sharing a real `redis-server`, behind a small balancer that sends each
//! connection to the first server that answers. The client's server is
//! killed with SIGKILL: it reconnects through the balancer, lands on the
//! other server and resumes its seat there; the room notices nothing and
//! the screen shows every line exactly once.
//!
//! Without tmux or redis-server the test prints a notice and passes,
//! except under CI (`CI` set), where it fails.

mod support;
mod tmux;

use std::net::SocketAddr;
use std::time::Duration;

use chatty::server::Config;
use chatty::server::cluster::ClusterConfig;
use support::redis::{Persistence, Redis};
use support::{ServerProcess, TestServer, config};
use tmux::Tmux;
use tokio::net::{TcpListener, TcpStream};

/// Forwards each connection to the first of `servers` that accepts it.
async fn balancer(servers: Vec<SocketAddr>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let servers = servers.clone();
            tokio::spawn(async move {
                for server in servers {
                    if let Ok(mut upstream) = TcpStream::connect(server).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn count(screen: &str, text: &str) -> usize {
    screen.matches(text).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_whose_server_dies_resumes_on_another_server() {
    let Some(redis) = Redis::start(Persistence::None) else {
        return;
    };
    let url = redis.url();
    let cluster = [
        "--cluster",
        &url,
        "--cluster-key",
        "tui-test",
        "--cluster-lease",
        "2s",
    ];
    let mut doomed = ServerProcess::start(&cluster);
    let survivor = TestServer::start(Config {
        cluster: Some(ClusterConfig {
            url: redis.url(),
            prefix: "tui-test".into(),
            lease: Duration::from_secs(10),
            snapshot_every: ClusterConfig::SNAPSHOT_EVERY,
        }),
        ..config()
    })
    .await;
    let front = balancer(vec![doomed.addr, survivor.addr]).await;
    let mut bob = survivor.join("bob").await;
    let command = format!(
        "{} join --name alice --addr {front}; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_chatty"),
    );
    let Some(tmux) = Tmux::start(&command) else {
        return;
    };
    tmux.wait_for("in the room", |s| s.contains("Users (2)"))
        .await;
    bob.read_until("-- alice has arrived").await;
    tmux.type_line("from the first server");
    bob.read_until("alice: from the first server").await;
    tmux.wait_for("her own line", |s| {
        s.contains("alice: from the first server")
    })
    .await;

    doomed.child.kill().expect("kill -9");
    doomed.child.wait().expect("reaped");
    bob.send("while she moves").await;
    // From here on, bob must see no leave and no arrival of alice's.
    let watched = bob.read_until("bob: while she moves").await;
    assert!(watched.is_empty(), "{watched:?}");
    let screen = tmux
        .wait_for("the missed line after the resume", |s| {
            s.contains("while she moves")
        })
        .await;
    assert!(screen.contains("back in the room"), "{screen}");
    tmux.type_line("from the second server");
    let watched = bob.read_until("alice: from the second server").await;
    assert!(watched.is_empty(), "nobody noticed the move: {watched:?}");
    bob.send("welcome over").await;
    let screen = tmux
        .wait_for("a live line", |s| s.contains("welcome over"))
        .await;
    for line in [
        "alice: from the first server",
        "bob: while she moves",
        "alice: from the second server",
        "bob: welcome over",
    ] {
        assert_eq!(count(&screen, line), 1, "{line} once:\n{screen}");
    }
    assert!(!screen.contains("name taken"), "{screen}");
    // Nobody else noticed: no leave, no arrival.
    let seen = bob.sync().await;
    assert!(
        !seen
            .iter()
            .any(|l| l.contains("has left") || l.contains("has arrived")),
        "{seen:?}"
    );
    tmux.keys(&["C-c"]);
    bob.read_until("-- alice has left (quit)").await;
    tmux.wait_for("exit status 0", |s| s.contains("EXIT=0"))
        .await;
}
