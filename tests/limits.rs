//! Per-address limits and the PROXY protocol, over real TCP on loopback.
//! PROXY headers from 127.0.0.1 (a trusted proxy) stand in for clients on
//! other addresses.

mod support;

use std::time::Duration;

use chatty::server::Config;
use chatty::server::limits::parse_cidrs;
use support::{LineClient, TestServer, WELCOME, config};

const TOO_MANY: &str = "-- bye (too many connections)";

fn limited(max_per_address: usize) -> Config {
    Config {
        max_per_address,
        exempt: Vec::new().into(),
        ..config()
    }
}

fn behind_proxy(max_per_address: usize) -> Config {
    Config {
        trusted_proxies: parse_cidrs("127.0.0.1").expect("cidr").into(),
        ..limited(max_per_address)
    }
}

async fn expect_refused(client: &mut LineClient) {
    client.expect(TOO_MANY).await;
    client.expect_end().await;
}

fn v1(source: &str, port: u16) -> String {
    let family = if source.contains(':') { "TCP6" } else { "TCP4" };
    let destination = if source.contains(':') {
        "::1"
    } else {
        "127.0.0.1"
    };
    format!("PROXY {family} {source} {destination} {port} 8000\r\n")
}

/// A v2 PROXY header: `source` as the client, or LOCAL when `None`.
fn v2(source: Option<std::net::SocketAddr>) -> Vec<u8> {
    let mut header = b"\r\n\r\n\0\r\nQUIT\n".to_vec();
    let body = match source {
        None => {
            header.extend_from_slice(&[0x20, 0x00]);
            Vec::new()
        }
        Some(std::net::SocketAddr::V4(v4)) => {
            header.extend_from_slice(&[0x21, 0x11]);
            let mut body = v4.ip().octets().to_vec();
            body.extend_from_slice(&[127, 0, 0, 1]);
            body.extend_from_slice(&v4.port().to_be_bytes());
            body.extend_from_slice(&8000u16.to_be_bytes());
            body
        }
        Some(std::net::SocketAddr::V6(v6)) => {
            header.extend_from_slice(&[0x21, 0x21]);
            let mut body = v6.ip().octets().to_vec();
            body.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
            body.extend_from_slice(&v6.port().to_be_bytes());
            body.extend_from_slice(&8000u16.to_be_bytes());
            body
        }
    };
    header.extend_from_slice(&u16::try_from(body.len()).expect("short").to_be_bytes());
    header.extend_from_slice(&body);
    header
}

async fn via_proxy(server: &TestServer, header: &[u8]) -> LineClient {
    let mut client = server.connect().await;
    client.send_bytes(header).await;
    client
}

#[tokio::test]
async fn one_over_the_per_address_limit_gets_the_bye() {
    let server = TestServer::start(limited(2)).await;
    // Logins that never choose a name count too.
    let _first = server.greeted().await;
    let _second = server.join("alice").await;
    let mut third = server.connect().await;
    expect_refused(&mut third).await;
    server.stop().await;
}

#[tokio::test]
async fn loopback_is_exempt_by_default() {
    let server = TestServer::start(Config {
        max_per_address: 1,
        max_new_per_address: 1,
        ..config()
    })
    .await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(server.greeted().await);
    }
    server.stop().await;
}

#[tokio::test]
async fn new_connections_per_address_are_limited_per_window() {
    let server = TestServer::start(Config {
        max_new_per_address: 3,
        new_per_address_window: Duration::from_secs(600),
        ..limited(0)
    })
    .await;
    for _ in 0..3 {
        drop(server.greeted().await);
    }
    let mut fourth = server.connect().await;
    expect_refused(&mut fourth).await;
    server.stop().await;
}

#[tokio::test]
async fn a_v1_header_names_the_client_and_the_limit_is_per_named_address() {
    let server = TestServer::start(behind_proxy(1)).await;
    let header = v1("203.0.113.7", 40001);
    let mut alice = via_proxy(&server, format!("{header}alice\n").as_bytes()).await;
    alice.expect(WELCOME).await;
    alice.expect("-- you are alice").await;
    let mut same = via_proxy(&server, v1("203.0.113.7", 40002).as_bytes()).await;
    expect_refused(&mut same).await;
    let mut other = via_proxy(&server, v1("203.0.113.8", 40003).as_bytes()).await;
    other.login("bob").await;
    let mut v6 = via_proxy(&server, v1("2001:db8::1", 40004).as_bytes()).await;
    v6.expect(WELCOME).await;
    let mut same_64 = via_proxy(&server, v1("2001:db8::2", 40005).as_bytes()).await;
    expect_refused(&mut same_64).await;
    server.stop().await;
}

#[tokio::test]
async fn a_v2_header_names_the_client_and_local_is_the_proxy_itself() {
    let server = TestServer::start(behind_proxy(1)).await;
    let client: std::net::SocketAddr = "198.51.100.4:5555".parse().expect("addr");
    let mut alice = via_proxy(&server, &[v2(Some(client)), b"alice\n".to_vec()].concat()).await;
    alice.expect(WELCOME).await;
    alice.expect("-- you are alice").await;
    let mut same = via_proxy(&server, &v2(Some(client))).await;
    expect_refused(&mut same).await;
    let v6: std::net::SocketAddr = "[2001:db8:5::9]:7777".parse().expect("addr");
    let mut bob = via_proxy(&server, &v2(Some(v6))).await;
    bob.login("bob").await;
    let mut health_check = via_proxy(&server, &v2(None)).await;
    health_check.expect(WELCOME).await;
    let mut second_local = via_proxy(&server, &v2(None)).await;
    expect_refused(&mut second_local).await;
    server.stop().await;
}

#[tokio::test]
async fn a_proxy_header_from_an_untrusted_address_is_just_a_bad_name() {
    let server = TestServer::start(config()).await;
    let mut client = server.greeted().await;
    client.send_bytes(v1("203.0.113.7", 40001).as_bytes()).await;
    let error = client.next_line().await.expect("an error");
    assert!(error.starts_with("! name \"PROXY"), "{error}");
    assert!(error.contains("is invalid"), "{error}");
    client.send("alice").await;
    client.expect("-- you are alice").await;
    server.stop().await;
}

#[tokio::test]
async fn a_trusted_proxy_without_a_header_is_refused() {
    let server = TestServer::start(behind_proxy(16)).await;
    let mut client = via_proxy(&server, b"alice\n").await;
    client.expect_end().await;
    let mut garbage = via_proxy(&server, b"PROXY TCP9 x y 1 2\r\nalice\n").await;
    garbage.expect_end().await;
    server.stop().await;
}

#[tokio::test]
async fn a_trusted_proxy_that_sends_nothing_is_refused_at_the_deadline() {
    let server = TestServer::start(Config {
        login_timeout: Duration::from_millis(200),
        ..behind_proxy(16)
    })
    .await;
    let mut silent = server.connect().await;
    silent.expect_end().await;
    server.stop().await;
}

/// A client connected from `source`, another loopback address.
async fn connect_from(server: &TestServer, source: &str) -> LineClient {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    let source = format!("{source}:0").parse().expect("source");
    socket.bind(source).expect("bind a loopback source");
    let stream = tokio::time::timeout(support::DEADLINE, socket.connect(server.addr))
        .await
        .expect("connect in time")
        .expect("connect");
    LineClient::from_stream(stream)
}

#[tokio::test]
async fn refused_connections_take_no_client_slot() {
    let server = TestServer::start(Config {
        max_clients: 2,
        ..limited(1)
    })
    .await;
    let _alice = server.join("alice").await;
    let mut refused = Vec::new();
    for _ in 0..3 {
        let mut client = server.connect().await;
        client.expect(TOO_MANY).await;
        refused.push(client);
    }
    let mut other_address = connect_from(&server, "127.0.0.2").await;
    other_address.login("bob").await;
    let mut third_address = connect_from(&server, "127.0.0.3").await;
    third_address.expect("-- bye (server full)").await;
    server.stop().await;
}
