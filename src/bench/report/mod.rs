//! The bench's figures, as text for people and as one flat JSON object
//! for scripts (`"key":value` pairs, easy to pick out with grep; see
//! [`json`]).

mod json;

use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;

use super::stats::Stats;
use super::{Measured, Plan, Settle};

/// The server's resident memory at the points the bench looks.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    pub before: Option<u64>,
    /// After connecting and settling.
    pub connected: Option<u64>,
    pub window_max: Option<u64>,
    pub end: Option<u64>,
}

/// Latency percentiles in milliseconds.
#[derive(Clone, Copy, Debug)]
pub struct Latency {
    pub samples: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Latency {
    fn of(histogram: &Histogram<u64>) -> Option<Latency> {
        let ms = |us: u64| us as f64 / 1000.0;
        (!histogram.is_empty()).then(|| Latency {
            samples: histogram.len(),
            p50: ms(histogram.value_at_quantile(0.50)),
            p90: ms(histogram.value_at_quantile(0.90)),
            p99: ms(histogram.value_at_quantile(0.99)),
            p999: ms(histogram.value_at_quantile(0.999)),
            max: ms(histogram.max()),
        })
    }
}

/// Every figure of one run.
#[derive(Clone, Debug)]
pub struct Report {
    /// The servers loaded, `HOST:PORT,HOST:PORT...` (one for most runs).
    pub addr: String,
    /// Connections each server of `addr` got (clients then slow readers,
    /// round robin).
    pub per_server: Vec<usize>,
    pub clients: usize,
    pub senders: usize,
    pub rate: u32,
    pub in_flight: usize,
    pub payload: usize,
    pub idle: bool,
    pub connected: usize,
    pub connect_s: f64,
    pub settle_s: f64,
    pub settled: bool,
    pub window_s: f64,
    pub deliveries_per_s: f64,
    /// None: as fast as the server takes them.
    pub offered_per_s: Option<f64>,
    pub achieved_per_s: f64,
    pub latency: Option<Latency>,
    pub expected: u64,
    pub delivered: u64,
    pub gaps: u64,
    pub reorders: u64,
    pub skipped_notices: u64,
    pub skipped_lines: u64,
    pub other_lines: u64,
    pub errors: u64,
    pub eofs: u64,
    pub first_error: Option<String>,
    pub slow_readers: usize,
    pub slow_disconnected: usize,
    pub slow_skipped_notices: u64,
    /// Delivered share of the nominal offered deliveries in the window's
    /// last third (only with --slow-reader), and the latency there.
    pub last_third_share: Option<f64>,
    pub last_third_latency: Option<Latency>,
    pub memory: Memory,
    pub rss_per_connection: Option<f64>,
    pub server_cpu: Option<f64>,
    pub bench_cpu: Option<f64>,
    pub error: Option<String>,
}

impl Report {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        plan: &Plan,
        stats: &Stats,
        connect: Duration,
        settle: Settle,
        window: Measured,
        memory: Memory,
        receivers: u64,
        error: Option<String>,
    ) -> Report {
        let seconds = window.seconds.max(f64::EPSILON);
        let connections = (plan.clients + plan.slow_readers) as f64;
        let nominal_last_third =
            f64::from(plan.rate) * plan.senders as f64 * receivers as f64 * seconds / 3.0;
        let last_third_share = (plan.slow_readers > 0 && !plan.idle).then(|| {
            let offered = if plan.rate > 0 {
                nominal_last_third
            } else {
                (stats.sent_last_third * receivers) as f64
            };
            stats.delivered_last_third as f64 / offered.max(1.0)
        });
        Report {
            addr: plan
                .addrs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
            per_server: plan.per_server(),
            clients: plan.clients,
            senders: plan.senders,
            rate: plan.rate,
            in_flight: plan.in_flight,
            payload: plan.payload,
            idle: plan.idle,
            connected: stats.connected + stats.slow_connected,
            connect_s: connect.as_secs_f64(),
            settle_s: settle.time.as_secs_f64(),
            settled: settle.settled,
            window_s: window.seconds,
            deliveries_per_s: stats.delivered_in_window as f64 / seconds,
            offered_per_s: (plan.rate > 0).then(|| f64::from(plan.rate) * plan.senders as f64),
            achieved_per_s: stats.sent_in_window as f64 / seconds,
            latency: Latency::of(&stats.latency),
            expected: stats.sent * receivers,
            delivered: stats.delivered,
            gaps: stats.gaps,
            reorders: stats.reorders,
            skipped_notices: stats.skipped_notices,
            skipped_lines: stats.skipped_lines,
            other_lines: stats.other_lines,
            errors: stats.errors,
            eofs: stats.eofs,
            first_error: stats.first_error.clone(),
            slow_readers: plan.slow_readers,
            slow_disconnected: stats.slow.disconnected,
            slow_skipped_notices: stats.slow.skipped_notices,
            last_third_share,
            last_third_latency: last_third_share.and(Latency::of(&stats.latency_last_third)),
            memory,
            rss_per_connection: memory
                .connected
                .zip(memory.before)
                .map(|(after, before)| (after as f64 - before as f64) / connections),
            server_cpu: window.server_cpu,
            bench_cpu: window.bench_cpu,
            error,
        }
    }

    /// The report for people.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = self.write_text(&mut out);
        out
    }

    fn write_text(&self, out: &mut String) -> std::fmt::Result {
        let rate = match self.rate {
            0 => format!(
                "as fast as possible (at most {} in flight each)",
                self.in_flight
            ),
            rate => format!("{rate}/s each"),
        };
        match self.per_server.len() {
            0 | 1 => writeln!(out, "chatty bench against {}", self.addr)?,
            servers => {
                let each: Vec<String> = self
                    .addr
                    .split(',')
                    .zip(&self.per_server)
                    .map(|(addr, n)| format!("{addr} ({n})"))
                    .collect();
                writeln!(
                    out,
                    "chatty bench against {servers} servers, connections round robin: {}",
                    each.join(", ")
                )?;
            }
        }
        if self.idle {
            writeln!(
                out,
                "  mode        {} idle connections held {:.1} s",
                self.clients, self.window_s
            )?;
        } else {
            writeln!(
                out,
                "  mode        {} clients, {} senders at {rate}, {}-byte payload, {:.1} s window",
                self.clients, self.senders, self.payload, self.window_s
            )?;
        }
        writeln!(
            out,
            "  connect     {} connections in {:.2} s; arrival notices went on {:.2} s more{}",
            self.connected,
            self.connect_s,
            self.settle_s,
            if self.settled {
                ""
            } else {
                " (still going at the settle timeout)"
            },
        )?;
        if !self.idle {
            self.write_traffic(out)?;
        }
        self.write_resources(out)?;
        if let Some(error) = &self.error {
            writeln!(out, "  ERROR       {error}")?;
        }
        Ok(())
    }

    fn write_traffic(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "  deliveries  {}/s", thousands(self.deliveries_per_s))?;
        let offered = self
            .offered_per_s
            .map_or("unlimited".to_owned(), |o| format!("{}/s", thousands(o)));
        writeln!(
            out,
            "  send rate   offered {offered}, achieved {}/s",
            thousands(self.achieved_per_s)
        )?;
        writeln!(out, "  latency     {}", latency_text(self.latency.as_ref()))?;
        let share = if self.expected > 0 {
            100.0 * self.delivered as f64 / self.expected as f64
        } else {
            100.0
        };
        writeln!(
            out,
            "  lines       expected {}, delivered {} ({share:.2} %)",
            thousands(self.expected as f64),
            thousands(self.delivered as f64)
        )?;
        writeln!(
            out,
            "  order       {} gaps, {} reorders (per sender, per receiver)",
            self.gaps, self.reorders
        )?;
        writeln!(
            out,
            "  skipped     {} notices for {} lines; {} other lines",
            self.skipped_notices, self.skipped_lines, self.other_lines
        )?;
        writeln!(
            out,
            "  errors      {} errors, {} EOFs{}",
            self.errors,
            self.eofs,
            self.first_error
                .as_ref()
                .map_or(String::new(), |e| format!(" (first: {e})"))
        )?;
        if let Some(share) = self.last_third_share {
            writeln!(
                out,
                "  slow        {} never-reading clients, {} disconnected by the server, {} skip notices waiting for them",
                self.slow_readers, self.slow_disconnected, self.slow_skipped_notices
            )?;
            writeln!(
                out,
                "  last third  the others got {:.1} % of the offered lines; latency {}",
                share * 100.0,
                latency_text(self.last_third_latency.as_ref())
            )?;
        }
        Ok(())
    }

    fn write_resources(&self, out: &mut String) -> std::fmt::Result {
        let memory = &self.memory;
        if memory.before.is_some() {
            writeln!(
                out,
                "  server RSS  {} before, {} after connecting ({} per connection), max {} in the window, {} at the end",
                mib(memory.before),
                mib(memory.connected),
                self.rss_per_connection
                    .map_or("?".to_owned(), |b| format!("{:.1} KiB", b / 1024.0)),
                mib(memory.window_max),
                mib(memory.end)
            )?;
        }
        let cpu =
            |share: Option<f64>| share.map_or("?".to_owned(), |s| format!("{:.0} %", s * 100.0));
        if self.memory.before.is_some() {
            writeln!(
                out,
                "  CPU         server {} of one core, bench {} (in the window)",
                cpu(self.server_cpu),
                cpu(self.bench_cpu)
            )?;
        } else {
            writeln!(
                out,
                "  CPU         bench {} of one core (in the window)",
                cpu(self.bench_cpu)
            )?;
        }
        Ok(())
    }
}

fn latency_text(latency: Option<&Latency>) -> String {
    latency.map_or("no samples".to_owned(), |l| {
        format!(
            "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms ({} samples)",
            l.p50,
            l.p90,
            l.p99,
            l.p999,
            l.max,
            thousands(l.samples as f64)
        )
    })
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("?".to_owned(), |b| {
        format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
    })
}

/// `1234567.8` as `1,234,568`.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1_234_567.8), "1,234,568");
    }
}
