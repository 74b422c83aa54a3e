use super::*;

fn limits(max_open: usize, max_new: usize, exempt: &str) -> Arc<AddressLimits> {
    AddressLimits::new(Policy {
        max_open,
        max_new,
        window: Duration::from_secs(60),
        exempt: parse_cidrs(exempt).expect("cidrs"),
    })
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("ip")
}

#[test]
fn one_over_the_open_limit_is_refused_until_one_closes() {
    let limits = limits(2, 0, "none");
    let now = Instant::now();
    let first = limits.admit(ip("203.0.113.1"), now).expect("first");
    let _second = limits.admit(ip("203.0.113.1"), now).expect("second");
    assert_eq!(
        limits.admit(ip("203.0.113.1"), now).err().map(|r| r.why),
        Some(Refusal::TooMany)
    );
    assert!(
        limits.admit(ip("203.0.113.2"), now).is_ok(),
        "another address"
    );
    drop(first);
    assert!(limits.admit(ip("203.0.113.1"), now).is_ok());
}

#[test]
fn ipv6_addresses_share_their_slash_64() {
    let limits = limits(1, 0, "none");
    let now = Instant::now();
    let _held = limits.admit(ip("2001:db8:1:2::1"), now).expect("first");
    let same_64 = limits.admit(ip("2001:db8:1:2:ffff::9"), now);
    assert_eq!(same_64.err().map(|r| r.why), Some(Refusal::TooMany));
    assert!(limits.admit(ip("2001:db8:1:3::1"), now).is_ok());
}

#[test]
fn mapped_ipv4_is_the_same_address() {
    let limits = limits(1, 0, "none");
    let now = Instant::now();
    let _held = limits.admit(ip("192.0.2.7"), now).expect("first");
    let mapped = limits.admit(ip("::ffff:192.0.2.7"), now);
    assert_eq!(mapped.err().map(|r| r.why), Some(Refusal::TooMany));
}

#[test]
fn exempt_ranges_are_never_limited() {
    let limits = limits(1, 1, "127.0.0.0/8,::1");
    let now = Instant::now();
    let held: Vec<_> = (0..10)
        .map(|_| limits.admit(ip("127.0.0.1"), now).expect("exempt"))
        .collect();
    assert_eq!(held.len(), 10);
    assert!(limits.admit(ip("::1"), now).is_ok());
    assert!(limits.admit(ip("::ffff:127.0.0.2"), now).is_ok());
}

#[test]
fn new_connections_per_window() {
    let limits = limits(0, 3, "none");
    let start = Instant::now();
    for _ in 0..3 {
        drop(
            limits
                .admit(ip("198.51.100.1"), start)
                .expect("within the window"),
        );
    }
    let refused = limits.admit(ip("198.51.100.1"), start);
    assert_eq!(refused.err().map(|r| r.why), Some(Refusal::TooFast));
    assert!(
        limits
            .admit(ip("198.51.100.1"), start + Duration::from_secs(10))
            .is_err()
    );
    let share = start + Duration::from_secs(20);
    assert!(
        limits.admit(ip("198.51.100.1"), share).is_ok(),
        "a share back"
    );
    let later = start + Duration::from_secs(200);
    for _ in 0..3 {
        drop(
            limits
                .admit(ip("198.51.100.1"), later)
                .expect("a whole window again"),
        );
    }
}

#[test]
fn the_table_forgets_quiet_addresses_when_full() {
    let limits = limits(4, 4, "none");
    let now = Instant::now();
    for n in 0..(MAX_TRACKED as u32 + 10) {
        drop(
            limits
                .admit(IpAddr::V4(Ipv4Addr::from(n)), now)
                .expect("admitted"),
        );
    }
    assert!(limits.lock().len() <= MAX_TRACKED);
}

#[test]
fn a_refused_address_is_reported_once_a_minute() {
    let limits = limits(1, 0, "none");
    let now = Instant::now();
    let _held = limits.admit(ip("192.0.2.1"), now).expect("first");
    let report = |at| limits.admit(ip("192.0.2.1"), at).err().map(|r| r.report);
    assert_eq!(report(now), Some(true));
    assert_eq!(report(now + Duration::from_secs(30)), Some(false));
    assert_eq!(report(now + REPORT_EVERY), Some(true));
}

#[test]
fn cidr_lists() {
    assert_eq!(parse_cidrs("none"), Ok(Vec::new()));
    let nets = parse_cidrs("127.0.0.0/8, ::1,10.1.2.3/8").expect("parses");
    assert_eq!(format_cidrs(&nets), "127.0.0.0/8,::1,10.0.0.0/8");
    assert!(parse_cidrs("10.0.0.0/33").is_err());
    assert!(
        parse_cidrs("localhost")
            .expect_err("refused")
            .contains("CIDR")
    );
    assert!(parse_cidrs("").is_err());
}
