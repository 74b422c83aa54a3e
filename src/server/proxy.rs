//! The PROXY protocol (v1 text and v2 binary, as haproxy sends them): a
//! connection from a `--trusted-proxy` address starts with a header that
//! names the real client, which limits and logs then use.
//!
//! The header is read with a deadline into a small buffer; whatever the
//! client sent after it is handed on to the line reader, so nothing is
//! lost. A v2 `LOCAL` header (the proxy's own health check) and v1
//! `UNKNOWN` stand for the proxy itself.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use bytes::BytesMut;
use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::time::timeout;

/// The v2 header's first 12 bytes.
const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// The longest v1 header, CRLF included (the specification's bound).
const V1_MAX: usize = 107;
/// The longest v2 header accepted (addresses plus a few TLVs).
const V2_MAX: usize = 16 + 1024;

/// A header, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The real client; `None` when the proxy speaks for itself.
    pub source: Option<SocketAddr>,
    /// Bytes the header took.
    pub len: usize,
}

/// Why a connection from a trusted proxy was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ProxyError {
    /// The connection did not start with a PROXY header.
    Missing,
    /// A header that breaks the protocol's rules.
    Invalid(&'static str),
    /// No whole header within the deadline.
    Timeout,
    /// The connection ended or failed first.
    Closed,
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::Missing => write!(f, "no PROXY protocol header"),
            ProxyError::Invalid(why) => write!(f, "invalid PROXY protocol header: {why}"),
            ProxyError::Timeout => write!(f, "no PROXY protocol header in time"),
            ProxyError::Closed => write!(f, "closed before its PROXY protocol header"),
        }
    }
}

/// Reads the header from `stream`. Returns it with the bytes that came
/// after it.
pub async fn read_header<R: AsyncRead + Unpin>(
    stream: &mut R,
    deadline: Duration,
) -> Result<(Header, BytesMut), ProxyError> {
    let mut buffer = BytesMut::with_capacity(256);
    let read = async {
        loop {
            if let Some(header) = parse(&buffer)? {
                let rest = buffer.split_off(header.len);
                return Ok((header, rest));
            }
            match stream.read_buf(&mut buffer).await {
                Ok(0) | Err(_) => return Err(ProxyError::Closed),
                Ok(_) => {}
            }
        }
    };
    timeout(deadline, read)
        .await
        .unwrap_or(Err(ProxyError::Timeout))
}

/// How long a trusted proxy has to send its header at most (less if the
/// login timeout is shorter).
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// The client behind `peer`: `peer` itself, or for a trusted proxy the
/// address its header names (the proxy's own for LOCAL and UNKNOWN),
/// with the bytes read after the header.
pub async fn client_address<R: AsyncRead + Unpin>(
    stream: &mut R,
    peer: SocketAddr,
    trusted: &[IpNet],
    login_timeout: Duration,
) -> Result<(SocketAddr, BytesMut), ProxyError> {
    if !is_trusted(trusted, peer) {
        return Ok((peer, BytesMut::new()));
    }
    let deadline = HEADER_TIMEOUT.min(login_timeout);
    let (header, rest) = read_header(stream, deadline).await?;
    Ok((header.source.unwrap_or(peer), rest))
}

/// Whether `peer` is one of the `trusted` proxies.
pub fn is_trusted(trusted: &[IpNet], peer: SocketAddr) -> bool {
    let ip = peer.ip().to_canonical();
    trusted.iter().any(|net| net.contains(&ip))
}

/// Parses a header at the start of `bytes`: `Ok(None)` while more bytes
/// are needed to tell.
pub fn parse(bytes: &[u8]) -> Result<Option<Header>, ProxyError> {
    let starts = |prefix: &[u8]| bytes.iter().zip(prefix).all(|(a, b)| a == b);
    if starts(b"PROXY ") {
        parse_v1(bytes)
    } else if starts(V2_SIGNATURE) {
        parse_v2(bytes)
    } else {
        Err(ProxyError::Missing)
    }
}

fn parse_v1(bytes: &[u8]) -> Result<Option<Header>, ProxyError> {
    let window = &bytes[..bytes.len().min(V1_MAX)];
    let Some(end) = window.windows(2).position(|pair| pair == b"\r\n") else {
        return match bytes.len() >= V1_MAX {
            true => Err(ProxyError::Invalid("v1 line too long")),
            false => Ok(None),
        };
    };
    let line = std::str::from_utf8(&bytes[..end]).map_err(|_| ProxyError::Invalid("not ASCII"))?;
    let source = v1_source(line)?;
    Ok(Some(Header {
        source,
        len: end + 2,
    }))
}

fn v1_source(line: &str) -> Result<Option<SocketAddr>, ProxyError> {
    let words: Vec<&str> = line.split(' ').collect();
    let invalid = ProxyError::Invalid;
    match words.as_slice() {
        ["PROXY", "UNKNOWN", ..] => Ok(None),
        [
            "PROXY",
            family,
            source,
            _destination,
            port,
            _destination_port,
        ] => {
            let ip: IpAddr = match *family {
                "TCP4" => source.parse::<Ipv4Addr>().map(IpAddr::V4),
                "TCP6" => source.parse::<Ipv6Addr>().map(IpAddr::V6),
                _ => return Err(invalid("v1 family is not TCP4, TCP6 or UNKNOWN")),
            }
            .map_err(|_| invalid("v1 source address"))?;
            let port: u16 = port.parse().map_err(|_| invalid("v1 source port"))?;
            Ok(Some(SocketAddr::new(ip, port)))
        }
        _ => Err(invalid("v1 needs six fields")),
    }
}

fn parse_v2(bytes: &[u8]) -> Result<Option<Header>, ProxyError> {
    let invalid = ProxyError::Invalid;
    let Some(fixed) = bytes.get(..16) else {
        return Ok(None);
    };
    let (version_command, family) = (fixed[12], fixed[13]);
    let len = 16 + usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
    if version_command >> 4 != 2 {
        return Err(invalid("v2 version is not 2"));
    }
    if len > V2_MAX {
        return Err(invalid("v2 header too long"));
    }
    let Some(body) = bytes.get(16..len) else {
        return Ok(None);
    };
    let source = match version_command & 0x0f {
        0 => None,
        1 => v2_source(family >> 4, body)?,
        _ => return Err(invalid("v2 command is not LOCAL or PROXY")),
    };
    Ok(Some(Header { source, len }))
}

/// The source address of a v2 `PROXY` header; none for an unspecified or
/// a unix socket family.
fn v2_source(family: u8, body: &[u8]) -> Result<Option<SocketAddr>, ProxyError> {
    let short = ProxyError::Invalid("v2 addresses too short");
    match family {
        1 => {
            let a = body.get(..12).ok_or(short)?;
            let ip = Ipv4Addr::new(a[0], a[1], a[2], a[3]);
            let port = u16::from_be_bytes([a[8], a[9]]);
            Ok(Some(SocketAddr::new(ip.into(), port)))
        }
        2 => {
            let a = body.get(..36).ok_or(short)?;
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&a[..16]);
            let port = u16::from_be_bytes([a[32], a[33]]);
            Ok(Some(SocketAddr::new(Ipv6Addr::from(octets).into(), port)))
        }
        0 | 3 => Ok(None),
        _ => Err(ProxyError::Invalid("v2 address family")),
    }
}

#[cfg(test)]
#[path = "proxy_tests.rs"]
mod tests;
