//! Prometheus metrics (`GET /metrics`, text format 0.0.4): counters and fixed-bucket
//! histograms on atomics, cheap enough for the hot path. Label sets are small and fixed.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

mod labels;
mod live;

pub use self::labels::{error_kind, route_of};
pub use self::live::{Counted, Live};

/// Upper bounds in seconds, from 100 µs to 10 s.
const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 10.0,
];

/// Connections cut off for not keeping up, since start (counted where it happens, in
/// `delivery::conn`).
pub static CUT_OFF: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

#[derive(Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

/// Counters and histograms keyed by a label value, created on first use.
#[derive(Default)]
struct Family<T> {
    by_label: Mutex<BTreeMap<String, std::sync::Arc<T>>>,
}

impl<T: Default> Family<T> {
    fn get(&self, label: &str) -> std::sync::Arc<T> {
        let mut map = self.by_label.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = map.get(label) {
            return found.clone();
        }
        // Bounded: labels come from fixed sets (routes, event names, error kinds).
        if map.len() >= 256 {
            return map
                .entry("other".into())
                .or_insert_with(|| std::sync::Arc::new(T::default()))
                .clone();
        }
        map.entry(label.to_string())
            .or_insert_with(|| std::sync::Arc::new(T::default()))
            .clone()
    }

    fn each(&self, mut f: impl FnMut(&str, &T)) {
        let map = self.by_label.lock().unwrap_or_else(|p| p.into_inner());
        for (label, value) in map.iter() {
            f(label, value);
        }
    }
}

#[derive(Default)]
pub struct Metrics {
    pub messages: AtomicU64,
    pub connections_refused: AtomicU64,
    /// Database commits by the message writers (messages, receipts or both).
    pub commits: AtomicU64,
    pub commit_duration: Histogram,
    /// Uploads stored, and their bytes (thumbnails not counted).
    pub uploads: AtomicU64,
    pub upload_bytes: AtomicU64,
    /// Stored files removed by retention (unattached sweep, purge).
    pub files_removed: AtomicU64,
    /// Expired recovery sessions this instance deleted.
    pub sessions_pruned: AtomicU64,
    /// Per-connection objects alive now (see [`Live`]).
    pub live: Live,
    events: Family<Histogram>,
    http: Family<Histogram>,
    http_status: Family<AtomicU64>,
    errors: Family<AtomicU64>,
    rate_limited: Family<AtomicU64>,
}

/// Gauges read when scraped.
pub struct Gauges {
    pub connections: usize,
    pub users_here: usize,
    pub database_up: bool,
    /// 1 up, 0 down; `None` in-process (no Redis).
    pub bus_up: Option<bool>,
    /// Messages waiting for a commit.
    pub write_queue: usize,
    /// Entries of per-connection maps, by kind (the hub's, typing's), for `tigo_live_objects`.
    pub live: Vec<(&'static str, usize)>,
}

impl Metrics {
    pub fn event(&self, name: &str, elapsed: Duration) {
        self.events.get(name).observe(elapsed);
    }

    pub fn http(&self, route: &str, status: u16, elapsed: Duration) {
        self.http.get(route).observe(elapsed);
        self.http_status
            .get(&format!("{route}|{status}"))
            .fetch_add(1, Ordering::Relaxed);
    }

    /// An error answered to a client, by kind (validation, forbidden, unavailable, …).
    pub fn error(&self, kind: &str) {
        self.errors.get(kind).fetch_add(1, Ordering::Relaxed);
    }

    pub fn rate_limited(&self, limit: &str) {
        self.rate_limited.get(limit).fetch_add(1, Ordering::Relaxed);
    }

    /// `tigo_live_objects`: the per-connection objects made and not yet freed, and the entries
    /// of the per-connection maps.
    fn render_live(&self, out: &mut String, gauges: &Gauges) {
        let _ = writeln!(
            out,
            "# HELP tigo_live_objects Per-connection objects and map entries alive on this instance, by kind; all 0 once every connection has closed.\n# TYPE tigo_live_objects gauge"
        );
        let made = self
            .live
            .counts()
            .map(|(kind, n)| (kind, n.max(0) as usize));
        for (kind, n) in made.iter().chain(&gauges.live) {
            let _ = writeln!(out, "tigo_live_objects{{kind=\"{kind}\"}} {n}");
        }
    }

    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::with_capacity(8192);
        render_gauges(&mut out, gauges);
        self.render_live(&mut out, gauges);
        self.render_writes(&mut out);
        self.render_files_and_connections(&mut out);
        self.render_events_and_requests(&mut out);
        self.render_refusals(&mut out);
        out
    }

    /// What the message writers did: messages, commits and how long each took.
    fn render_writes(&self, out: &mut String) {
        for (name, help, value) in [
            (
                "tigo_recovery_sessions_pruned_total",
                "Expired connection state recovery sessions deleted by this instance.",
                &self.sessions_pruned,
            ),
            ("tigo_messages_total", "Messages stored.", &self.messages),
            (
                "tigo_commits_total",
                "Database commits of queued messages and delivery receipts (messages per commit: tigo_messages_total / tigo_commits_total).",
                &self.commits,
            ),
        ] {
            counter(out, name, help, value.load(Ordering::Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP tigo_commit_duration_seconds One commit of the message writers, from start to durable.\n# TYPE tigo_commit_duration_seconds histogram"
        );
        self.commit_duration
            .render(out, "tigo_commit_duration_seconds", "");
    }

    fn render_files_and_connections(&self, out: &mut String) {
        for (name, help, value) in [
            (
                "tigo_uploads_total",
                "Attachments uploaded and stored by this instance.",
                &self.uploads,
            ),
            (
                "tigo_upload_bytes_total",
                "Bytes of attachments stored by this instance (originals; thumbnails not counted).",
                &self.upload_bytes,
            ),
            (
                "tigo_files_removed_total",
                "Stored attachments removed by retention on this instance (unattached uploads).",
                &self.files_removed,
            ),
            (
                "tigo_slow_consumers_cut_total",
                "Connections cut off for not keeping up.",
                &CUT_OFF,
            ),
            (
                "tigo_connections_refused_total",
                "Socket.IO connections refused (auth, limits).",
                &self.connections_refused,
            ),
        ] {
            counter(out, name, help, value.load(Ordering::Relaxed));
        }
    }

    /// Socket.IO events and REST requests: durations by event and route, counts by status.
    fn render_events_and_requests(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP tigo_event_duration_seconds Socket.IO client events, from arrival to answer.\n# TYPE tigo_event_duration_seconds histogram"
        );
        self.events.each(|event, h| {
            h.render(
                out,
                "tigo_event_duration_seconds",
                &format!("event=\"{event}\""),
            )
        });
        let _ = writeln!(
            out,
            "# HELP tigo_http_request_duration_seconds REST requests, by route.\n# TYPE tigo_http_request_duration_seconds histogram"
        );
        self.http.each(|route, h| {
            h.render(
                out,
                "tigo_http_request_duration_seconds",
                &format!("route=\"{route}\""),
            )
        });
        let _ = writeln!(
            out,
            "# HELP tigo_http_requests_total REST requests, by route and status.\n# TYPE tigo_http_requests_total counter"
        );
        self.http_status.each(|key, n| {
            let (route, status) = key.split_once('|').unwrap_or((key, "0"));
            let _ = writeln!(
                out,
                "tigo_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        });
    }

    /// Errors answered by kind, and requests refused by a limit.
    fn render_refusals(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP tigo_errors_total Errors answered to clients (REST and Socket.IO), by kind.\n# TYPE tigo_errors_total counter"
        );
        self.errors.each(|kind, n| {
            let _ = writeln!(
                out,
                "tigo_errors_total{{kind=\"{kind}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        });
        let _ = writeln!(
            out,
            "# HELP tigo_rate_limited_total Requests refused by a rate or size limit, by limit.\n# TYPE tigo_rate_limited_total counter"
        );
        self.rate_limited.each(|limit, n| {
            let _ = writeln!(
                out,
                "tigo_rate_limited_total{{limit=\"{limit}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        });
    }
}

/// The instance's state now: connections, users, and whether the database and bus answer.
fn render_gauges(out: &mut String, gauges: &Gauges) {
    let bus_help = match gauges.bus_up {
        Some(_) => "1 when Redis pub/sub is connected.",
        None => "1 when Redis pub/sub is connected (in-process bus: always 1).",
    };
    for (name, help, value) in [
        (
            "tigo_connections",
            "Open Socket.IO connections on this instance.",
            gauges.connections as f64,
        ),
        (
            "tigo_users_connected",
            "Users with a connection on this instance.",
            gauges.users_here as f64,
        ),
        (
            "tigo_database_up",
            "1 when the database answers.",
            f64::from(u8::from(gauges.database_up)),
        ),
        (
            "tigo_bus_up",
            bus_help,
            f64::from(u8::from(gauges.bus_up.unwrap_or(true))),
        ),
        (
            "tigo_write_queue",
            "Messages waiting for a database commit on this instance.",
            gauges.write_queue as f64,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
        );
    }
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_render_cumulative_buckets() {
        let m = Metrics::default();
        m.event("send_message", Duration::from_micros(300));
        m.event("send_message", Duration::from_millis(30));
        let text = m.render(&Gauges {
            connections: 1,
            users_here: 1,
            database_up: true,
            bus_up: None,
            write_queue: 0,
            live: vec![("hub_user", 1)],
        });
        assert!(text.contains("tigo_live_objects{kind=\"connection_state\"} 0"));
        assert!(text.contains("tigo_live_objects{kind=\"hub_user\"} 1"));
        assert!(
            text.contains(
                "tigo_event_duration_seconds_bucket{event=\"send_message\",le=\"0.0005\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "tigo_event_duration_seconds_bucket{event=\"send_message\",le=\"+Inf\"} 2"
            )
        );
        assert!(text.contains("tigo_event_duration_seconds_count{event=\"send_message\"} 2"));
    }
}
