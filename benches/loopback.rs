//! A lower bound under every fan-out figure: what the kernel charges for
//! one short line written to one loopback TCP socket and read on the other
//! end, the way a chat server writes each recipient's line.
//!
//!     cargo bench --bench loopback            # 1,000 sockets
//!     cargo bench --bench loopback -- 100     # another count
//!
//! It writes one line to each of N connected sockets in turn (what a
//! server does for one room line to N members), then reads each, and
//! prints the median over the rounds. No chat server is involved: a line
//! to N recipients costs at least N writes of this kind, whoever serves
//! it. No reader is waiting while the lines are written, so the wake-ups a
//! real client costs are not in these figures. It needs about 2 N open
//! files (`ulimit -n`). Only std is used, so `benches/run.sh` builds it
//! with `rustc` alone.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::sleep;
use std::time::{Duration, Instant};

const ROUNDS: usize = 21;
const LINE: &[u8] = b"b1-0: 000000001 0000000000123456 payload-payload-payload\n";

fn main() -> std::io::Result<()> {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(1000);
    if count == 0 {
        return Err(std::io::Error::other("the socket count must be at least 1"));
    }
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut pairs = Vec::with_capacity(count);
    for _ in 0..count {
        let pair = connect_pair(&listener, addr).map_err(|err| match err.raw_os_error() {
            Some(24) => std::io::Error::other(format!(
                "out of open files: {count} socket pairs need about {} (raise ulimit -n)",
                2 * count + 16
            )),
            _ => err,
        })?;
        pairs.push(pair);
    }
    let mut buffer = [0u8; 4096];
    let (mut writes, mut reads) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let started = Instant::now();
        for (server, _) in &mut pairs {
            server.write_all(LINE)?;
        }
        writes.push(started.elapsed());
        let started = Instant::now();
        for (_, client) in &mut pairs {
            // One short segment on loopback: the whole line in one read.
            let read = client.read(&mut buffer)?;
            if read != LINE.len() {
                return Err(std::io::Error::other(format!(
                    "read {read} bytes of a {}-byte line",
                    LINE.len()
                )));
            }
        }
        reads.push(started.elapsed());
        // Idle between rounds, as between a room's lines.
        sleep(Duration::from_millis(10));
    }
    let (write, read) = (median(&mut writes), median(&mut reads));
    let per = |total: Duration| total.as_secs_f64() * 1e6 / count as f64;
    println!(
        "loopback, {count} sockets, median of {ROUNDS} rounds: write {:.2} us, read {:.2} us per line; \
         one line to {count} recipients: {:.2} ms of writes + {:.2} ms of reads on one core",
        per(write),
        per(read),
        write.as_secs_f64() * 1e3,
        read.as_secs_f64() * 1e3,
    );
    Ok(())
}

/// A connected pair: the server's end (no Nagle, as a chat server's) and
/// the client's.
fn connect_pair(
    listener: &TcpListener,
    addr: std::net::SocketAddr,
) -> std::io::Result<(TcpStream, TcpStream)> {
    let client = TcpStream::connect(addr)?;
    let (server, _) = listener.accept()?;
    server.set_nodelay(true)?;
    Ok((server, client))
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
