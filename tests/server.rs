//! The server over real TCP on 127.0.0.1, port 0: every rule of
//! `docs/protocol.md` as a client sees it.

mod support;

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use chatty::server::Config;
use support::{LineClient, TestServer, WELCOME, config};

#[tokio::test]
async fn the_protocol_example_session() {
    let server = TestServer::start(config()).await;
    let mut bob = server.join("bob").await;
    bob.send("anyone here?").await;
    bob.expect("bob: anyone here?").await;

    let mut alice = server.greeted().await;
    alice.send("alice").await;
    alice
        .expect_lines(&[
            "-- you are alice",
            "-- online (2): alice, bob",
            "-- history (1)",
            "bob: anyone here?",
            "-- end of history",
        ])
        .await;
    bob.expect("-- alice has arrived").await;

    alice.send("Hi!").await;
    alice.expect("alice: Hi!").await;
    bob.expect("alice: Hi!").await;
    bob.send("Hi yourself.").await;
    alice.expect("bob: Hi yourself.").await;
    bob.expect("bob: Hi yourself.").await;
    alice.send("/me waves").await;
    alice.expect("* alice waves").await;
    bob.expect("* alice waves").await;
    alice.send("/msg bob psst").await;
    alice.expect("alice -> bob: psst").await;
    bob.expect("alice -> bob: psst").await;

    let carol = server.join("carol").await;
    alice.expect("-- carol has arrived").await;
    bob.expect("-- carol has arrived").await;
    drop(carol);
    alice.expect("-- carol has left").await;
    bob.expect("-- carol has left").await;

    bob.send("/quit see you").await;
    bob.expect("-- bye (quit)").await;
    bob.expect_end().await;
    alice.expect("-- bob has left (quit: see you)").await;
    server.stop().await;
}

#[tokio::test]
async fn names_are_checked_and_retried() {
    let server = TestServer::start(config()).await;
    let _alice = server.join("alice").await;
    let mut client = server.greeted().await;
    client.send("").await;
    client.send("ALICE").await;
    client
        .expect("! name \"ALICE\" is taken, choose another")
        .await;
    client.send("ａｌｉｃｅ").await;
    client
        .expect("! name \"ａｌｉｃｅ\" is taken, choose another")
        .await;
    client.send("bad name").await;
    client
        .expect(
            "! name \"bad name\" is invalid: a space is not allowed (use letters, digits, _ - .)",
        )
        .await;
    client.send("-dash").await;
    client
        .expect("! name \"-dash\" is invalid: it must start with a letter or digit")
        .await;
    client.send("Zoe\u{308}").await;
    client.expect("-- you are Zoë").await;
    client.expect("-- online (2): alice, Zoë").await;
    server.stop().await;
}

#[tokio::test]
async fn exactly_one_client_wins_a_name_race() {
    let server = TestServer::start(config()).await;
    let mut racers = Vec::new();
    for _ in 0..40 {
        let client = server.greeted().await;
        racers.push(client);
    }
    for client in &mut racers {
        client.send("racer").await;
    }
    let mut winners = 0;
    for client in &mut racers {
        match client.next_line().await.as_deref() {
            Some("-- you are racer") => winners += 1,
            Some("! name \"racer\" is taken, choose another") => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners, 1);
    server.stop().await;
}

/// Names that fold to one key race as one name.
#[tokio::test]
async fn case_and_width_variants_race_as_one_name() {
    let server = TestServer::start(config()).await;
    let variants = ["racer", "Racer", "RACER", "ｒａｃｅｒ", "rAcEr"];
    let mut racers = Vec::new();
    for variant in variants.iter().cycle().take(30) {
        let client = server.greeted().await;
        racers.push((client, *variant));
    }
    for (client, variant) in &mut racers {
        client.send(variant).await;
    }
    let mut winners = 0;
    for (client, variant) in &mut racers {
        let line = client.next_line().await.expect("answer");
        if line == format!("-- you are {variant}") {
            winners += 1;
        } else {
            assert_eq!(
                line,
                format!("! name \"{variant}\" is taken, choose another")
            );
        }
    }
    assert_eq!(winners, 1);
    server.stop().await;
}

#[tokio::test]
async fn unknown_command_echoes_are_shortened() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    alice.send(&format!("/{}", "x".repeat(100))).await;
    let echoed = format!("/{}…", "x".repeat(30));
    alice
        .expect(&format!("! unknown command \"{echoed}\", try /help"))
        .await;
    server.stop().await;
}

#[tokio::test]
async fn commands_and_errors() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    alice.expect("-- bob has arrived").await;

    alice.send("/names").await;
    alice.expect("-- online (2): alice, bob").await;
    alice.send("/who").await;
    alice.expect("-- online (2): alice, bob").await;
    alice.send("/msg nobody hi").await;
    alice.expect("! no user named \"nobody\"").await;
    alice.send("/msg bob").await;
    alice.expect("! usage: /msg NAME TEXT").await;
    alice.send("/frobnicate now").await;
    alice
        .expect("! unknown command \"/frobnicate\", try /help")
        .await;
    alice.send("//slash").await;
    alice.expect("alice: /slash").await;
    alice.send("/help").await;
    let help = alice.sync().await;
    assert!(help.iter().all(|line| line.starts_with("-- ")), "{help:?}");
    assert!(help.iter().any(|line| line.contains("/msg NAME TEXT")));

    bob.expect("alice: /slash").await;
    bob.send("/nick alice").await;
    bob.expect("! name \"alice\" is taken, choose another")
        .await;
    bob.send("/nick bob").await;
    bob.send("/nick Bobby").await;
    bob.expect("-- bob is now known as Bobby").await;
    alice.expect("-- bob is now known as Bobby").await;
    assert!(bob.sync().await.is_empty(), "nothing else reached bob");
    server.stop().await;
}

#[tokio::test]
async fn hostile_text_is_cleaned() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    alice.send_bytes(b"caf\xe9 \xff\n").await;
    alice.expect("alice: caf\u{fffd} \u{fffd}").await;
    alice
        .send("\x1b[31mred\x1b[0m\tand\x07 \u{9b}c1\u{2028}x  ")
        .await;
    alice.expect("alice: [31mred[0m and c1 x").await;
    alice.send_bytes(b"crlf\r\n").await;
    alice.expect("alice: crlf").await;
    alice.send("  \x01 ").await;
    alice.send("/msg alice \x1b]0;title\x07").await;
    alice.expect("alice -> alice: ]0;title").await;
    alice.send("/nick \x1b[2Jevil").await;
    alice
        .expect("! name \"[2Jevil\" is invalid: it must start with a letter or digit")
        .await;
    server.stop().await;
}

#[tokio::test]
async fn over_long_lines_are_dropped_and_the_connection_stays_usable() {
    let server = TestServer::start(Config {
        max_line_bytes: 64,
        ..config()
    })
    .await;
    let mut alice = server.join("alice").await;
    alice.send(&"x".repeat(65)).await;
    alice
        .expect("! line too long (over 64 bytes), not sent")
        .await;
    alice.send(&"y".repeat(64)).await;
    alice.expect(&format!("alice: {}", "y".repeat(64))).await;
    alice.send_bytes(&[b'z'; 10_000]).await;
    alice
        .expect("! line too long (over 64 bytes), not sent")
        .await;
    alice.send("tail of it\nstill here").await;
    alice.expect("alice: still here").await;
    server.stop().await;
}

#[tokio::test]
async fn http_requests_are_refused() {
    let server = TestServer::start(config()).await;
    let mut browser = server.connect().await;
    browser
        .send_bytes(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    browser.expect(WELCOME).await;
    let refusal = browser.next_line().await.expect("refusal");
    assert!(refusal.starts_with("! this is a chat server"), "{refusal}");
    browser.expect_end().await;
    server.stop().await;
}

/// A browser request whose URL is too long to read is still refused at
/// its headers, so its body never becomes a name and a message.
#[tokio::test]
async fn a_web_page_cannot_post_into_the_room() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    let mut browser = server.connect().await;
    let request = format!(
        "POST /{} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\r\nmallory\nhello from a web page\n",
        "a".repeat(5000)
    );
    browser.send_bytes(request.as_bytes()).await;
    browser.expect(WELCOME).await;
    browser
        .expect("! line too long (over 4096 bytes), not sent")
        .await;
    let refusal = browser.next_line().await.expect("refusal");
    assert!(refusal.starts_with("! this is a chat server"), "{refusal}");
    browser.expect_end().await;
    assert!(
        alice.sync().await.is_empty(),
        "nobody arrived, nothing was said"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_too_long_name_line_gets_an_error_and_another_try() {
    let server = TestServer::start(Config {
        max_line_bytes: 64,
        ..config()
    })
    .await;
    let mut client = server.greeted().await;
    client.send(&"n".repeat(100)).await;
    client
        .expect("! line too long (over 64 bytes), not sent")
        .await;
    client.send(&"n".repeat(40)).await;
    client
        .expect(&format!(
            "! name \"{}…\" is invalid: use 1 to 24 characters",
            "n".repeat(31)
        ))
        .await;
    client.send("nina").await;
    client.expect("-- you are nina").await;
    server.stop().await;
}

#[tokio::test]
async fn a_final_line_without_newline_is_handled() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    alice.expect("-- bob has arrived").await;
    bob.send_bytes(b"last words").await;
    bob.shutdown().await;
    alice.expect("bob: last words").await;
    alice.expect("-- bob has left").await;
    bob.expect("bob: last words").await;
    bob.expect_end().await;
    server.stop().await;
}

#[tokio::test]
async fn login_timeout_says_bye() {
    let server = TestServer::start(Config {
        login_timeout: Duration::from_millis(300),
        ..config()
    })
    .await;
    let mut client = server.greeted().await;
    client.expect("-- bye (login timeout)").await;
    client.expect_end().await;
    server.stop().await;
}

#[tokio::test]
async fn idle_clients_are_disconnected() {
    let server = TestServer::start(Config {
        idle_timeout: Some(Duration::from_millis(500)),
        ..config()
    })
    .await;
    // bob joins first, so he goes idle before alice does.
    let mut bob = server.join("bob").await;
    let mut alice = server.join("alice").await;
    bob.expect("-- alice has arrived").await;
    bob.expect("-- bye (idle)").await;
    bob.expect_end().await;
    alice.expect("-- bob has left (idle)").await;
    alice.expect("-- bye (idle)").await;
    server.stop().await;
}

#[tokio::test]
async fn any_line_keeps_a_client_from_going_idle() {
    let server = TestServer::start(Config {
        idle_timeout: Some(Duration::from_millis(800)),
        ..config()
    })
    .await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    alice.expect("-- bob has arrived").await;
    // bob keeps pinging until alice, who joined first and says nothing,
    // has been dropped for idling: his pings kept him in.
    loop {
        bob.send("/ping").await;
        match bob.next_line().await.as_deref() {
            Some("-- pong") => tokio::time::sleep(Duration::from_millis(200)).await,
            Some("-- alice has left (idle)") => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    alice.expect("-- bye (idle)").await;
    bob.expect("-- pong").await;
    server.stop().await;
}

#[tokio::test]
async fn a_full_server_says_so() {
    let server = TestServer::start(Config {
        max_clients: 2,
        ..config()
    })
    .await;
    let _alice = server.join("alice").await;
    let _waiting = server.connect().await;
    let mut third = server.connect().await;
    third.expect("-- bye (server full)").await;
    third.expect_end().await;
    server.stop().await;
}

#[tokio::test]
async fn flood_control_slows_but_drops_nothing() {
    let server = TestServer::start(Config {
        rate: 20,
        burst: 5,
        ..config()
    })
    .await;
    let mut alice = server.join("alice").await;
    let block: String = (0..20).map(|i| format!("line {i}\n")).collect();
    let start = std::time::Instant::now();
    alice.send_bytes(block.as_bytes()).await;
    for i in 0..20 {
        alice.expect(&format!("alice: line {i}")).await;
    }
    // 5 lines at once, then 15 at 20 a second: at least 0.7 s.
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(700), "not slowed: {took:?}");
    server.stop().await;
}

#[tokio::test]
async fn shutdown_says_bye_to_everyone() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    let mut lurker = server.greeted().await;
    alice.expect("-- bob has arrived").await;
    server.stop().await;
    for client in [&mut alice, &mut bob, &mut lurker] {
        client.expect("-- bye (server shutting down)").await;
        client.expect_end().await;
    }
}

#[tokio::test]
async fn history_survives_a_restart() {
    let dir = support::temp_dir();
    let path = dir.path().join("history.txt");
    let with_file = || Config {
        history: 2,
        history_file: Some(path.clone()),
        ..config()
    };

    let server = TestServer::start(with_file()).await;
    let mut alice = server.join("alice").await;
    for text in ["one", "/me two", "three"] {
        alice.send(text).await;
    }
    alice.sync().await;
    server.stop().await;

    let server = TestServer::start(with_file()).await;
    let mut bob = server.greeted().await;
    bob.send("bob").await;
    bob.expect_lines(&[
        "-- you are bob",
        "-- online (1): bob",
        "-- history (2)",
        "* alice two",
        "alice: three",
        "-- end of history",
    ])
    .await;
    server.stop().await;
}

#[tokio::test]
async fn ping_is_a_barrier_for_room_lines() {
    let server = TestServer::start(config()).await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    alice.expect("-- bob has arrived").await;
    for i in 0..50 {
        alice.send(&format!("m{i}")).await;
    }
    alice.sync().await;
    // bob's ping is queued after all of alice's lines reached the room.
    let seen = bob.sync().await;
    let expected: Vec<String> = (0..50).map(|i| format!("alice: m{i}")).collect();
    assert_eq!(seen, expected);
    server.stop().await;
}

/// A client whose socket never reads must not slow anyone else down: 20
/// others each get all 1,000 lines in order, and the slow one is dropped
/// as too slow once its socket has accepted nothing for the write timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_never_blocks_the_others() {
    let server = TestServer::start(Config {
        // Queues hold the whole test's traffic (8 MB, more than the kernel
        // buffers), so a reader that falls behind for a moment loses
        // nothing, while the one that never reads blocks its writer. The
        // write timeout leaves room for a reader task that a busy machine
        // does not schedule for a second (seen under load with 1 s).
        max_line_bytes: 16 * 1024,
        queue_lines: 2000,
        queue_bytes: 16 * 1024 * 1024,
        write_timeout: Duration::from_secs(3),
        ..config()
    })
    .await;
    let mut slow = slow_client(&server).await;
    slow.send("slow").await;
    let mut readers = Vec::new();
    for i in 0..20 {
        readers.push(server.join(&format!("r{i}")).await);
    }
    let count = 1000;
    let sending = send_in_background(server.join("sender").await, count, 8000);
    let mut reading = Vec::new();
    for mut reader in readers {
        reading.push(tokio::spawn(async move {
            let mut next = 0;
            while next < count {
                let line = reader.next_line().await.expect("line");
                if let Some(seq) = sequence(&line) {
                    assert_eq!(seq, next, "in order, none missing");
                    next += 1;
                }
            }
            reader.read_until("-- slow has left (too slow)").await;
        }));
    }
    for task in reading {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("readers finish in time")
            .expect("reader");
    }
    sending.await.expect("sender");
    server.stop().await;
}

/// A reader whose queue overflows is told how many lines it missed, and
/// what it did get plus that count is everything.
#[tokio::test]
async fn a_slow_reader_is_told_what_it_skipped() {
    let server = TestServer::start(Config {
        max_line_bytes: 32 * 1024,
        queue_lines: 16,
        ..config()
    })
    .await;
    let mut slow = slow_client(&server).await;
    slow.send("slow").await;
    let count = 400;
    let sending = send_in_background(server.join("sender").await, count, 20_000);
    sending.await.expect("sender");
    let (mut delivered, mut skipped) = (0, 0);
    while delivered + skipped < count {
        let line = slow.next_line().await.expect("line");
        if sequence(&line).is_some() {
            delivered += 1;
        } else if let Some(n) = line
            .strip_prefix("-- ")
            .and_then(|l| l.strip_suffix(" messages skipped"))
        {
            skipped += n.parse::<usize>().expect("count");
        }
    }
    assert!(skipped > 0, "the queue overflowed");
    assert_eq!(delivered + skipped, count);
    server.stop().await;
}

/// The sequence number of a `sender: N ...` line.
fn sequence(line: &str) -> Option<usize> {
    let text = line.strip_prefix("sender: ")?;
    text.split(' ').next()?.parse().ok()
}

/// Sends `count` numbered lines of about `size` bytes from `sender`,
/// draining its own copies so it never becomes a slow reader itself;
/// resolves once the room has handled them all.
fn send_in_background(
    sender: LineClient,
    count: usize,
    size: usize,
) -> tokio::task::JoinHandle<()> {
    let (mut echoes, mut writer) = sender.into_parts();
    tokio::spawn(async move {
        let payload = "p".repeat(size);
        let drain = tokio::spawn(async move {
            let mut line = String::new();
            loop {
                line.clear();
                match tokio::io::AsyncBufReadExt::read_line(&mut echoes, &mut line).await {
                    Ok(0) | Err(_) => return false,
                    Ok(_) if line == "-- pong\n" => return true,
                    Ok(_) => {}
                }
            }
        });
        for i in 0..count {
            writer
                .write_all(format!("{i} {payload}\n").as_bytes())
                .await
                .expect("send");
        }
        writer.write_all(b"/ping\n").await.expect("ping");
        assert!(drain.await.expect("drain"), "the sender got its pong");
    })
}

/// Connects with a tiny receive buffer, so the server's writes back up fast.
async fn slow_client(server: &TestServer) -> LineClient {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let stream = socket.connect(server.addr).await.expect("connect");
    LineClient::from_stream(stream)
}

/// 500 clients at once: each sees every message once, all in one order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_clients_see_one_order() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let server = TestServer::start(config()).await;
    let clients = 500;
    let senders = 5;
    let per_sender = 20;
    let mut joined = Vec::new();
    for i in 0..clients {
        joined.push(server.join(&format!("c{i}")).await);
    }
    let mut tasks = Vec::new();
    for (i, mut client) in joined.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            if i < senders {
                for m in 0..per_sender {
                    client.send(&format!("m{m}")).await;
                }
            }
            let mut seen = Vec::new();
            while seen.len() < senders * per_sender {
                let line = client.next_line().await.expect("line");
                if line.contains(": m") {
                    seen.push(line);
                }
            }
            seen
        }));
    }
    let mut orders = Vec::new();
    for task in tasks {
        orders.push(
            tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("in time")
                .expect("task"),
        );
    }
    let first = &orders[0];
    for s in 0..senders {
        let from: Vec<&String> = first
            .iter()
            .filter(|l| l.starts_with(&format!("c{s}: ")))
            .collect();
        let expected: Vec<String> = (0..per_sender).map(|m| format!("c{s}: m{m}")).collect();
        assert_eq!(
            from,
            expected.iter().collect::<Vec<_>>(),
            "each message once, in order"
        );
    }
    assert!(
        orders.iter().all(|order| order == first),
        "every client sees one order"
    );
    server.stop().await;
}
