use super::*;

fn v2(command: u8, family: u8, body: &[u8]) -> Vec<u8> {
    let mut header = V2_SIGNATURE.to_vec();
    header.push(0x20 | command);
    header.push(family);
    header.extend_from_slice(&u16::try_from(body.len()).expect("short").to_be_bytes());
    header.extend_from_slice(body);
    header
}

fn v2_tcp4() -> Vec<u8> {
    let mut body = vec![203, 0, 113, 9, 10, 0, 0, 1];
    body.extend_from_slice(&4242u16.to_be_bytes());
    body.extend_from_slice(&8000u16.to_be_bytes());
    v2(1, 0x11, &body)
}

fn addr(text: &str) -> Option<SocketAddr> {
    Some(text.parse().expect("addr"))
}

#[test]
fn v1_tcp4_tcp6_and_unknown() {
    let header = b"PROXY TCP4 203.0.113.9 10.0.0.1 4242 8000\r\nalice\n";
    let parsed = parse(header).expect("valid").expect("whole");
    assert_eq!(parsed.source, addr("203.0.113.9:4242"));
    assert_eq!(&header[parsed.len..], b"alice\n");
    let header = b"PROXY TCP6 2001:db8::7 2001:db8::1 5555 8000\r\n";
    let parsed = parse(header).expect("valid").expect("whole");
    assert_eq!(parsed.source, addr("[2001:db8::7]:5555"));
    let parsed = parse(b"PROXY UNKNOWN\r\n").expect("valid").expect("whole");
    assert_eq!(
        parsed,
        Header {
            source: None,
            len: 15
        }
    );
}

#[test]
fn v1_needs_more_bytes_until_its_crlf() {
    let header = b"PROXY TCP4 203.0.113.9 10.0.0.1 4242 8000\r\n";
    for end in 0..header.len() - 1 {
        assert_eq!(parse(&header[..end]), Ok(None), "{end} bytes");
    }
}

#[test]
fn v1_errors() {
    for bad in [
        &b"PROXY TCP4 203.0.113.9 10.0.0.1 4242\r\n"[..],
        b"PROXY TCP4 2001:db8::7 10.0.0.1 4242 8000\r\n",
        b"PROXY TCP4 203.0.113.9 10.0.0.1 99999 8000\r\n",
        b"PROXY UDP4 203.0.113.9 10.0.0.1 1 2\r\n",
    ] {
        assert!(matches!(parse(bad), Err(ProxyError::Invalid(_))), "{bad:?}");
    }
    let endless = [b"PROXY ".as_slice(), &[b'x'; 200]].concat();
    assert!(matches!(parse(&endless), Err(ProxyError::Invalid(_))));
}

#[test]
fn anything_else_is_missing_as_soon_as_it_shows() {
    assert_eq!(parse(b"alice\n"), Err(ProxyError::Missing));
    assert_eq!(parse(b"P"), Ok(None));
    assert_eq!(parse(b"PROXX"), Err(ProxyError::Missing));
    assert_eq!(parse(b"\r\n\r\n\0\r\nQUIX"), Err(ProxyError::Missing));
    assert_eq!(parse(b""), Ok(None));
}

#[test]
fn v2_tcp4_tcp6_and_local() {
    let header = v2_tcp4();
    for end in 0..header.len() {
        assert_eq!(parse(&header[..end]), Ok(None), "{end} bytes");
    }
    let parsed = parse(&header).expect("valid").expect("whole");
    assert_eq!(parsed.source, addr("203.0.113.9:4242"));
    assert_eq!(parsed.len, header.len());
    let mut body = Vec::new();
    body.extend_from_slice(&"2001:db8::7".parse::<Ipv6Addr>().expect("ip").octets());
    body.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
    body.extend_from_slice(&[0x15, 0xb3, 0x1f, 0x40]);
    body.extend_from_slice(&[1, 0, 1, 0xff]); // a TLV, ignored
    let parsed = parse(&v2(1, 0x21, &body)).expect("valid").expect("whole");
    assert_eq!(parsed.source, addr("[2001:db8::7]:5555"));
    let local = v2(0, 0, &[]);
    assert_eq!(
        parse(&local),
        Ok(Some(Header {
            source: None,
            len: 16
        }))
    );
}

#[test]
fn v2_errors() {
    let mut wrong_version = v2_tcp4();
    wrong_version[12] = 0x11;
    let short = v2(1, 0x11, &[1, 2, 3]);
    let command = v2(2, 0x11, &[0; 12]);
    let mut huge = v2(1, 0x11, &[]);
    huge[14..16].copy_from_slice(&u16::MAX.to_be_bytes());
    for bad in [wrong_version, short, command, huge] {
        assert!(
            matches!(parse(&bad), Err(ProxyError::Invalid(_))),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn reading_keeps_what_follows_the_header() {
    let mut input = v2_tcp4();
    input.extend_from_slice(b"alice\n");
    let (header, rest) = read_header(&mut input.as_slice(), Duration::from_secs(1))
        .await
        .expect("read");
    assert_eq!(header.source, addr("203.0.113.9:4242"));
    assert_eq!(&rest[..], b"alice\n");
    let closed = read_header(&mut &b"PROXY TCP4"[..], Duration::from_secs(1)).await;
    assert_eq!(closed.err(), Some(ProxyError::Closed));
}
