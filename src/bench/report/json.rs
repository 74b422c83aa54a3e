//! `chatty bench --json`: the report as one flat JSON object, one field
//! per figure, `null` for a figure the run could not take, fractions
//! rounded to three decimals.

use serde::{Serialize, Serializer};

use super::{Latency, Report};

/// A fraction rounded to three decimals; `null` when unknown or not
/// finite.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rounded(Option<f64>);

impl Rounded {
    fn of(value: f64) -> Rounded {
        Rounded(Some(value))
    }

    fn bytes(value: Option<u64>) -> Rounded {
        Rounded(value.map(|b| b as f64))
    }
}

impl Serialize for Rounded {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(value) if value.is_finite() => {
                serializer.serialize_f64((value * 1000.0).round() / 1000.0)
            }
            _ => serializer.serialize_none(),
        }
    }
}

/// p50, p90, p99, p99.9 and max of one latency histogram.
fn percentiles(latency: Option<&Latency>) -> [Rounded; 5] {
    let pick = |f: fn(&Latency) -> f64| Rounded(latency.map(f));
    [
        pick(|l| l.p50),
        pick(|l| l.p90),
        pick(|l| l.p99),
        pick(|l| l.p999),
        pick(|l| l.max),
    ]
}

/// The JSON object, field for field in the order it is written.
#[derive(Serialize)]
struct Flat<'a> {
    /// `HOST:PORT`, or several joined with commas.
    addr: &'a str,
    servers: usize,
    clients: usize,
    senders: usize,
    rate: u32,
    in_flight: usize,
    payload: usize,
    idle: bool,
    connected: usize,
    connect_s: Rounded,
    settle_s: Rounded,
    settled: bool,
    window_s: Rounded,
    deliveries_per_s: Rounded,
    offered_per_s: Rounded,
    achieved_per_s: Rounded,
    latency_p50_ms: Rounded,
    latency_p90_ms: Rounded,
    latency_p99_ms: Rounded,
    latency_p999_ms: Rounded,
    latency_max_ms: Rounded,
    expected: u64,
    delivered: u64,
    gaps: u64,
    reorders: u64,
    skipped_notices: u64,
    skipped_lines: u64,
    other_lines: u64,
    errors: u64,
    eofs: u64,
    first_error: Option<&'a str>,
    slow_readers: usize,
    slow_disconnected: usize,
    slow_skipped_notices: u64,
    last_third_share: Rounded,
    last_third_latency_p50_ms: Rounded,
    last_third_latency_p90_ms: Rounded,
    last_third_latency_p99_ms: Rounded,
    last_third_latency_p999_ms: Rounded,
    last_third_latency_max_ms: Rounded,
    server_rss_before: Rounded,
    server_rss_connected: Rounded,
    server_rss_window_max: Rounded,
    server_rss_end: Rounded,
    server_rss_per_connection: Rounded,
    server_cpu: Rounded,
    bench_cpu: Rounded,
    error: Option<&'a str>,
}

impl Report {
    /// The report as one flat JSON object.
    pub fn json(&self) -> String {
        let [
            latency_p50_ms,
            latency_p90_ms,
            latency_p99_ms,
            latency_p999_ms,
            latency_max_ms,
        ] = percentiles(self.latency.as_ref());
        let [
            last_third_latency_p50_ms,
            last_third_latency_p90_ms,
            last_third_latency_p99_ms,
            last_third_latency_p999_ms,
            last_third_latency_max_ms,
        ] = percentiles(self.last_third_latency.as_ref());
        let memory = &self.memory;
        let flat = Flat {
            addr: &self.addr,
            servers: self.per_server.len(),
            clients: self.clients,
            senders: self.senders,
            rate: self.rate,
            in_flight: self.in_flight,
            payload: self.payload,
            idle: self.idle,
            connected: self.connected,
            connect_s: Rounded::of(self.connect_s),
            settle_s: Rounded::of(self.settle_s),
            settled: self.settled,
            window_s: Rounded::of(self.window_s),
            deliveries_per_s: Rounded::of(self.deliveries_per_s),
            offered_per_s: Rounded(self.offered_per_s),
            achieved_per_s: Rounded::of(self.achieved_per_s),
            latency_p50_ms,
            latency_p90_ms,
            latency_p99_ms,
            latency_p999_ms,
            latency_max_ms,
            expected: self.expected,
            delivered: self.delivered,
            gaps: self.gaps,
            reorders: self.reorders,
            skipped_notices: self.skipped_notices,
            skipped_lines: self.skipped_lines,
            other_lines: self.other_lines,
            errors: self.errors,
            eofs: self.eofs,
            first_error: self.first_error.as_deref(),
            slow_readers: self.slow_readers,
            slow_disconnected: self.slow_disconnected,
            slow_skipped_notices: self.slow_skipped_notices,
            last_third_share: Rounded(self.last_third_share),
            last_third_latency_p50_ms,
            last_third_latency_p90_ms,
            last_third_latency_p99_ms,
            last_third_latency_p999_ms,
            last_third_latency_max_ms,
            server_rss_before: Rounded::bytes(memory.before),
            server_rss_connected: Rounded::bytes(memory.connected),
            server_rss_window_max: Rounded::bytes(memory.window_max),
            server_rss_end: Rounded::bytes(memory.end),
            server_rss_per_connection: Rounded(self.rss_per_connection),
            server_cpu: Rounded(self.server_cpu),
            bench_cpu: Rounded(self.bench_cpu),
            error: self.error.as_deref(),
        };
        // Only strings, numbers and null: serializing cannot fail.
        serde_json::to_string(&flat)
            .unwrap_or_else(|err| serde_json::json!({ "error": err.to_string() }).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_rounded_and_unknowns_null() {
        let json = |value| serde_json::to_string(&value).expect("json");
        assert_eq!(json(Rounded::of(1.23456)), "1.235");
        assert_eq!(json(Rounded(None)), "null");
        assert_eq!(json(Rounded::of(f64::NAN)), "null");
        assert_eq!(json(Rounded::bytes(Some(4096))), "4096.0");
    }
}
