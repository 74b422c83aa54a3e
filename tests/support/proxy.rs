//! A TCP proxy for one connection that can cut the link the way a dead
//! network does: the client's side closes, the server's side stays open
//! and silent (a ghost), and the test can later read what the server
//! wrote to it.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use super::{DEADLINE, LineClient};

pub struct Proxy {
    /// Where the client connects.
    pub addr: SocketAddr,
    cut: CancellationToken,
    ghost: Option<oneshot::Receiver<TcpStream>>,
}

impl Proxy {
    /// A proxy in front of `server`, waiting for one client.
    pub async fn start(server: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let cut = CancellationToken::new();
        let (ghost, kept) = oneshot::channel();
        tokio::spawn(pump(listener, server, cut.clone(), ghost));
        Proxy {
            addr,
            cut,
            ghost: Some(kept),
        }
    }

    /// A client connected through the proxy.
    pub async fn connect(&self) -> LineClient {
        LineClient::connect(self.addr).await
    }

    /// Cuts the link: the client sees its connection end, the server sees
    /// nothing.
    pub fn cut(&self) {
        self.cut.cancel();
    }

    /// The server's side of the cut link, to read what the server sent it.
    pub async fn ghost(&mut self) -> LineClient {
        let kept = self.ghost.take().expect("one ghost");
        let stream = timeout(DEADLINE, kept)
            .await
            .expect("the link is cut in time")
            .expect("the proxy kept the server's side");
        LineClient::from_stream(stream)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut.cancel();
    }
}

async fn pump(
    listener: TcpListener,
    server: SocketAddr,
    cut: CancellationToken,
    ghost: oneshot::Sender<TcpStream>,
) {
    let Ok((mut client, _)) = listener.accept().await else {
        return;
    };
    let Ok(mut upstream) = TcpStream::connect(server).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
        () = cut.cancelled() => {}
    }
    drop(client);
    let _ = ghost.send(upstream);
}

/// A proxy for any number of connections, one after another or at once,
/// that cuts every open one on demand the way [`Proxy::cut`] does: the
/// clients see their links end, the server keeps silent ghosts (held until
/// the relay is dropped).
pub struct Relay {
    pub addr: SocketAddr,
    links: Links,
    stop: CancellationToken,
}

/// The open links: how to cut each, and its word that it is cut.
type Links = std::sync::Arc<std::sync::Mutex<Vec<(CancellationToken, oneshot::Receiver<()>)>>>;

impl Relay {
    pub async fn start(server: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
        let addr = listener.local_addr().expect("relay addr");
        let links = Links::default();
        let stop = CancellationToken::new();
        tokio::spawn(relay(listener, server, links.clone(), stop.clone()));
        Relay { addr, links, stop }
    }

    /// Cuts the links open now; when it returns, no byte more reaches
    /// their clients.
    pub async fn cut(&self) {
        let links = std::mem::take(&mut *self.links.lock().expect("links"));
        for (cut, done) in links {
            cut.cancel();
            let _ = timeout(DEADLINE, done).await;
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn relay(listener: TcpListener, server: SocketAddr, links: Links, stop: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stop.cancelled() => return,
        };
        let Ok((client, _)) = accepted else {
            return;
        };
        let cut = CancellationToken::new();
        let (done, cut_done) = oneshot::channel();
        links.lock().expect("links").push((cut.clone(), cut_done));
        tokio::spawn(link(client, server, cut, done, stop.clone()));
    }
}

/// One link until it ends or is cut; a cut one leaves its server side open
/// and unread until the relay stops.
async fn link(
    mut client: TcpStream,
    server: SocketAddr,
    cut: CancellationToken,
    done: oneshot::Sender<()>,
    stop: CancellationToken,
) {
    let Ok(mut upstream) = TcpStream::connect(server).await else {
        return;
    };
    tokio::select! {
        biased;
        () = cut.cancelled() => {}
        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => return,
    }
    drop(client);
    let _ = done.send(());
    stop.cancelled().await;
    drop(upstream);
}
