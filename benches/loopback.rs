//! The floor under every fan-out figure on this machine: what the kernel
//! charges for one short line written to one loopback TCP socket and read
//! on the other end, the way a chat server writes each recipient's line.
//!
//!     cargo bench --bench loopback            # 1,000 sockets
//!     cargo bench --bench loopback -- 100     # another count
//!
//! It writes one line to each of N connected sockets in turn (what a
//! server does for one room line to N members), then reads each, and
//! prints the median over the rounds. No chat server is involved: a line
//! to N recipients costs at least N writes of this kind, whoever serves it.

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
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut pairs = Vec::with_capacity(count);
    for _ in 0..count {
        let client = TcpStream::connect(addr)?;
        let (server, _) = listener.accept()?;
        server.set_nodelay(true)?;
        pairs.push((server, client));
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
            let _ = client.read(&mut buffer)?;
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

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
