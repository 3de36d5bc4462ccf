//! `tigo-chat bench`: a load generator speaking Socket.IO over tokio-tungstenite.
//!
//! Every message carries its sender, its sequence number and its send time, so receivers check
//! that each one arrives exactly once and in order, and measure the delay from send (open loop:
//! from the scheduled send time, so a stalled server cannot hide its latency) to delivery.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use tigo_common::Message;
use tigo_common::server_events::{CONNECTED, NEW_MESSAGE};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::sio::{Socket, SocketOptions};

/// One room of the run: its id, the token of the side that sends (participant 1) and of the
/// side that receives (participant 2), and the tokens of its other members (companions, who
/// receive too; none in a two-person room).
#[derive(Debug, Clone)]
pub struct BenchRoom {
    pub id: Uuid,
    pub sender_token: String,
    pub receiver_token: String,
    pub member_tokens: Vec<String>,
}

/// What a run measured; `--json` prints exactly this.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    pub mode: String,
    pub throughput_msg_s: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub sent: u64,
    /// Deliveries seen by receivers (a message counts once per receiving connection).
    pub delivered: u64,
    pub expected_deliveries: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
    pub errors: u64,
    pub elapsed_s: f64,
    pub senders: usize,
    pub receivers: usize,
    pub rooms: usize,
}

/// Sequence numbers seen from one sender: a bit per number, and the highest.
#[derive(Default)]
struct Seen {
    bits: Vec<u64>,
    highest: Option<u64>,
}

impl Seen {
    /// Marks `seq`; false when it was already there.
    fn insert(&mut self, seq: u64) -> bool {
        let (word, bit) = ((seq / 64) as usize, seq % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        let fresh = self.bits[word] & (1 << bit) == 0;
        self.bits[word] |= 1 << bit;
        fresh
    }
}

/// Latency (µs) and correctness bookkeeping of one receiving connection.
struct Tally {
    latency: Histogram<u64>,
    seen: HashMap<u32, Seen>,
    delivered: u64,
    duplicates: u64,
    out_of_order: u64,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            latency: histogram(),
            seen: HashMap::new(),
            delivered: 0,
            duplicates: 0,
            out_of_order: 0,
        }
    }

    fn record(&mut self, sender: u32, seq: u64, latency_us: u64) {
        let seen = self.seen.entry(sender).or_default();
        if !seen.insert(seq) {
            self.duplicates += 1;
            return;
        }
        if seen.highest.is_some_and(|h| seq < h) {
            self.out_of_order += 1;
        }
        seen.highest = Some(seen.highest.map_or(seq, |h| h.max(seq)));
        self.delivered += 1;
        let _ = self.latency.record(latency_us.max(1));
    }
}

/// Microseconds from 1 µs to 2 minutes at 3 significant digits (auto-resizing beyond).
fn histogram() -> Histogram<u64> {
    // Constant, valid bounds: this cannot fail.
    let mut h = Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid histogram bounds");
    h.auto(true);
    h
}

/// Content of a bench message: `bench:<sender>:<seq>:<micros since start>:<padding>`.
fn content(sender: u32, seq: u64, at_us: u64, padding: &str) -> String {
    format!("bench:{sender}:{seq}:{at_us}:{padding}")
}

fn parse(content: &str) -> Option<(u32, u64, u64)> {
    let mut parts = content.strip_prefix("bench:")?.splitn(4, ':');
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    ))
}

fn summarize(
    mode: &str,
    tallies: Vec<Tally>,
    sent: u64,
    expected: u64,
    errors: u64,
    elapsed: Duration,
) -> Report {
    let mut latency = histogram();
    let (mut delivered, mut duplicates, mut out_of_order) = (0, 0, 0);
    for t in &tallies {
        let _ = latency.add(&t.latency);
        delivered += t.delivered;
        duplicates += t.duplicates;
        out_of_order += t.out_of_order;
    }
    let ms = |q: f64| latency.value_at_quantile(q) as f64 / 1000.0;
    Report {
        mode: mode.into(),
        throughput_msg_s: delivered as f64 / elapsed.as_secs_f64().max(1e-9),
        p50_ms: ms(0.50),
        p90_ms: ms(0.90),
        p99_ms: ms(0.99),
        max_ms: latency.max() as f64 / 1000.0,
        sent,
        delivered,
        expected_deliveries: expected,
        lost: expected.saturating_sub(delivered),
        duplicates,
        out_of_order,
        errors,
        elapsed_s: elapsed.as_secs_f64(),
        ..Report::default()
    }
}

async fn connect(
    url: &str,
    token: &str,
    bind: Option<IpAddr>,
    headers: &[(String, String)],
) -> Result<(Socket, crate::sio::Events), String> {
    let options = SocketOptions {
        bind,
        headers: headers.to_vec(),
        ..SocketOptions::with_token(token)
    };
    let (socket, mut events) = Socket::connect(url, options)
        .await
        .map_err(|e| e.to_string())?;
    events
        .wait_for(CONNECTED, Duration::from_secs(10))
        .await
        .map_err(|e| e.to_string())?;
    Ok((socket, events))
}

/// Reads a receiver's events until it has `expected` deliveries or `deadline` passes.
async fn receive(
    mut events: crate::sio::Events,
    start: Instant,
    expected: u64,
    deadline: tokio::time::Instant,
    mut latency_base: impl FnMut(u64) -> u64,
) -> Tally {
    let mut tally = Tally::new();
    while tally.delivered < expected {
        let event = match tokio::time::timeout_at(deadline, events.next()).await {
            Ok(Some(event)) => event,
            _ => break,
        };
        if event.name != NEW_MESSAGE {
            continue;
        }
        let Ok(message) = Message::deserialize(&event.data) else {
            continue;
        };
        if let Some((sender, seq, at_us)) = parse(&message.content) {
            let now = start.elapsed().as_micros() as u64;
            tally.record(sender, seq, now.saturating_sub(latency_base(at_us)));
        }
    }
    tally
}

/// `total` spread over `n` parts, the first `total % n` of them one larger.
fn shares(total: u64, n: usize) -> Vec<u64> {
    (0..n as u64)
        .map(|i| total / n as u64 + u64::from(i < total % n as u64))
        .collect()
}

/// Waits for the senders (messages each sent) and then the receivers (what each saw).
async fn gather(
    senders: Vec<tokio::task::JoinHandle<u64>>,
    receivers: Vec<tokio::task::JoinHandle<Tally>>,
) -> (u64, Vec<Tally>) {
    let mut sent = 0;
    for t in senders {
        sent += t.await.unwrap_or(0);
    }
    let mut tallies = Vec::new();
    for r in receivers {
        if let Ok(t) = r.await {
            tallies.push(t);
        }
    }
    (sent, tallies)
}

mod closed;
mod idle;
mod open;

pub use self::closed::closed_loop;
pub use self::idle::{ConnectionsReport, Held, connections, rss_kib};
pub use self::open::open_loop;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_content_round_trips() {
        let c = content(7, 42, 123_456, "pad:ding");
        assert_eq!(parse(&c), Some((7, 42, 123_456)));
        assert_eq!(parse("hello"), None);
    }

    #[test]
    fn duplicates_and_reordering_are_counted() {
        let mut t = Tally::new();
        t.record(1, 0, 10);
        t.record(1, 2, 10);
        t.record(1, 1, 10);
        t.record(1, 1, 10);
        assert_eq!((t.delivered, t.duplicates, t.out_of_order), (3, 1, 1));
    }
}
