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
use serde::Serialize;
use serde_json::json;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::sio::{Socket, SocketOptions};

/// One room of the run: its id, the token of the side that sends (participant 1) and of the
/// side that receives (participant 2).
#[derive(Debug, Clone)]
pub struct BenchRoom {
    pub id: Uuid,
    pub sender_token: String,
    pub receiver_token: String,
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
        .wait_for("connected", Duration::from_secs(10))
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
        if event.name != "new_message" {
            continue;
        }
        let Some(text) = event.data["content"].as_str() else {
            continue;
        };
        if let Some((sender, seq, at_us)) = parse(text) {
            let now = start.elapsed().as_micros() as u64;
            tally.record(sender, seq, now.saturating_sub(latency_base(at_us)));
        }
    }
    tally
}

/// The original's workload: `senders` connections spread over the rooms, one message in
/// flight each (the next goes on `message_sent`), one receiver per room, `messages` in all.
pub async fn closed_loop(
    url: &str,
    rooms: &[BenchRoom],
    senders: usize,
    messages: u64,
    timeout: Duration,
) -> Result<Report, String> {
    if rooms.is_empty() || senders == 0 {
        return Err("need at least one room and one sender".into());
    }
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + timeout;
    // Receivers first, so nothing is sent before they listen.
    let mut receivers = Vec::new();
    let mut per_room_senders = vec![0usize; rooms.len()];
    for i in 0..senders {
        per_room_senders[i % rooms.len()] += 1;
    }
    let per_sender: Vec<u64> = (0..senders as u64)
        .map(|i| messages / senders as u64 + u64::from(i < messages % senders as u64))
        .collect();
    let mut expected_per_room = vec![0u64; rooms.len()];
    for (i, n) in per_sender.iter().enumerate() {
        expected_per_room[i % rooms.len()] += n;
    }
    let mut receiver_sockets = Vec::new();
    for (r, room) in rooms.iter().enumerate() {
        let (socket, events) = connect(url, &room.receiver_token, None, &[]).await?;
        receiver_sockets.push(socket);
        receivers.push(tokio::spawn(receive(
            events,
            start,
            expected_per_room[r],
            deadline,
            |at| at,
        )));
    }
    let mut sender_sockets = Vec::new();
    let mut tasks = Vec::new();
    let errors = Arc::new(Mutex::new(0u64));
    let measured = Instant::now();
    for (i, count) in per_sender.iter().copied().enumerate() {
        let room = &rooms[i % rooms.len()];
        let (socket, mut events) = connect(url, &room.sender_token, None, &[]).await?;
        sender_sockets.push(socket.clone());
        let room_id = room.id;
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut sent = 0;
            for seq in 0..count {
                let at = start.elapsed().as_micros() as u64;
                let body =
                    json!({"chat_room_id": room_id, "content": content(i as u32, seq, at, "")});
                if socket.emit("send_message", &body).is_err() {
                    *errors.lock().await += 1;
                    break;
                }
                sent += 1;
                // Wait for our message_sent (or an error) before the next one.
                loop {
                    match tokio::time::timeout_at(deadline, events.next()).await {
                        Ok(Some(e)) if e.name == "message_sent" => break,
                        Ok(Some(e)) if e.name == "error" => {
                            *errors.lock().await += 1;
                            break;
                        }
                        Ok(Some(_)) => continue,
                        _ => return sent,
                    }
                }
            }
            sent
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.unwrap_or(0);
    }
    let mut tallies = Vec::new();
    for r in receivers {
        if let Ok(t) = r.await {
            tallies.push(t);
        }
    }
    let elapsed = measured.elapsed();
    for s in sender_sockets.iter().chain(&receiver_sockets) {
        s.close();
    }
    let errors = *errors.lock().await;
    let mut report = summarize("closed-loop", tallies, sent, messages, errors, elapsed);
    report.senders = senders;
    report.receivers = rooms.len();
    report.rooms = rooms.len();
    Ok(report)
}

/// Open loop: `rate` messages per second in all, for `duration`, from senders spread over the
/// rooms, whatever the server's pace; delays count from each message's scheduled time.
pub async fn open_loop(
    url: &str,
    rooms: &[BenchRoom],
    connections: usize,
    rate: f64,
    duration: Duration,
    size: usize,
    drain: Duration,
) -> Result<Report, String> {
    if rooms.is_empty() || connections < 2 || rate <= 0.0 {
        return Err("need rooms, at least two connections and a positive rate".into());
    }
    // Half the connections send (participant 1's side), half receive (participant 2's).
    let senders = (connections / 2).max(1);
    let receivers = (connections - senders).max(1);
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let per_sender: Vec<u64> = (0..senders as u64)
        .map(|i| total / senders as u64 + u64::from(i < total % senders as u64))
        .collect();
    let mut receivers_per_room = vec![0u64; rooms.len()];
    for i in 0..receivers {
        receivers_per_room[i % rooms.len()] += 1;
    }
    let mut sent_per_room = vec![0u64; rooms.len()];
    for (i, n) in per_sender.iter().enumerate() {
        sent_per_room[i % rooms.len()] += n;
    }
    let expected: u64 = sent_per_room
        .iter()
        .zip(&receivers_per_room)
        .map(|(s, r)| s * r)
        .sum();
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5) + duration + drain;
    let mut receiver_tasks = Vec::new();
    let mut sockets = Vec::new();
    for i in 0..receivers {
        let r = i % rooms.len();
        let (socket, events) = connect(url, &rooms[r].receiver_token, None, &[]).await?;
        sockets.push(socket);
        receiver_tasks.push(tokio::spawn(receive(
            events,
            start,
            sent_per_room[r],
            deadline,
            |at| at,
        )));
    }
    let padding = "x".repeat(size.saturating_sub(40));
    let mut sender_conns = Vec::new();
    for i in 0..senders {
        sender_conns.push(connect(url, &rooms[i % rooms.len()].sender_token, None, &[]).await?);
    }
    let errors = Arc::new(Mutex::new(0u64));
    let origin = start.elapsed() + Duration::from_millis(200);
    let mut tasks = Vec::new();
    for (i, (socket, mut events)) in sender_conns.into_iter().enumerate() {
        sockets.push(socket.clone());
        let room_id = rooms[i % rooms.len()].id;
        let count = per_sender[i];
        let padding = padding.clone();
        let errors = errors.clone();
        // Acks and errors are read (and errors counted) while sending.
        let counter = errors.clone();
        tokio::spawn(async move {
            while let Some(e) = events.next().await {
                if e.name == "error" {
                    *counter.lock().await += 1;
                }
            }
        });
        tasks.push(tokio::spawn(async move {
            let mut sent = 0;
            for seq in 0..count {
                // Message k of this sender is due at origin + (k * senders + i) / rate.
                let due = origin + Duration::from_secs_f64((seq as f64 * senders as f64 + i as f64) / rate);
                let now = start.elapsed();
                if due > now {
                    tokio::time::sleep(due - now).await;
                }
                let at = due.as_micros() as u64;
                let body = json!({"chat_room_id": room_id, "content": content(i as u32, seq, at, &padding)});
                if socket.emit("send_message", &body).is_err() {
                    *errors.lock().await += 1;
                    break;
                }
                sent += 1;
            }
            sent
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.unwrap_or(0);
    }
    let mut tallies = Vec::new();
    for r in receiver_tasks {
        if let Ok(t) = r.await {
            tallies.push(t);
        }
    }
    let elapsed = duration;
    for s in &sockets {
        s.close();
    }
    let errors = *errors.lock().await;
    let mut report = summarize("open-loop", tallies, sent, expected, errors, elapsed);
    // Throughput is what the receivers got per second of sending, counted once per message.
    report.throughput_msg_s = sent as f64 * (report.delivered as f64 / expected.max(1) as f64)
        / duration.as_secs_f64().max(1e-9);
    report.senders = senders;
    report.receivers = receivers;
    report.rooms = rooms.len();
    Ok(report)
}

/// What the idle-connections run measured.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ConnectionsReport {
    pub mode: String,
    pub requested: usize,
    pub connected: usize,
    pub failed: usize,
    pub connect_s: f64,
    /// Server resident memory before and after (with `--server-pid`), in KiB.
    pub server_rss_before_kib: Option<u64>,
    pub server_rss_after_kib: Option<u64>,
    pub server_rss_per_connection_bytes: Option<f64>,
}

/// Resident memory of a process, from /proc (KiB).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Connections held open by [`connections`]; closed when dropped or by [`Held::close`].
pub struct Held {
    sockets: Vec<(Socket, crate::sio::Events)>,
}

impl Held {
    pub fn len(&self) -> usize {
        self.sockets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sockets.is_empty()
    }

    pub fn close(self) {
        for (socket, _) in &self.sockets {
            socket.close();
        }
    }
}

/// Opens `count` idle authenticated connections (tokens and source addresses used
/// round-robin, `headers` added to every upgrade request) and reports; the caller holds them
/// as long as it likes.
pub async fn connections(
    url: &str,
    tokens: &[String],
    count: usize,
    sources: &[IpAddr],
    headers: &[(String, String)],
    server_pid: Option<u32>,
    mut progress: impl FnMut(usize),
) -> Result<(ConnectionsReport, Held), String> {
    use futures_util::StreamExt;
    if tokens.is_empty() {
        return Err("no users to connect as".into());
    }
    let before = server_pid.and_then(rss_kib);
    let started = Instant::now();
    let mut sockets = Vec::with_capacity(count);
    let mut failed = 0;
    let mut pending = futures_util::stream::FuturesUnordered::new();
    let mut next = 0;
    while sockets.len() + failed < count {
        while pending.len() < 64 && next < count {
            let token = tokens[next % tokens.len()].clone();
            let bind = (!sources.is_empty()).then(|| sources[next % sources.len()]);
            let url = url.to_string();
            pending.push(async move { connect(&url, &token, bind, headers).await });
            next += 1;
        }
        match pending.next().await {
            Some(Ok(conn)) => {
                sockets.push(conn);
                if sockets.len() % 1000 == 0 {
                    progress(sockets.len());
                }
            }
            Some(Err(_)) => failed += 1,
            None => break,
        }
    }
    let connect_s = started.elapsed().as_secs_f64();
    // Let the server settle before reading its memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = server_pid.and_then(rss_kib);
    let report = ConnectionsReport {
        mode: "connections".into(),
        requested: count,
        connected: sockets.len(),
        failed,
        connect_s,
        server_rss_before_kib: before,
        server_rss_after_kib: after,
        server_rss_per_connection_bytes: match (before, after) {
            (Some(b), Some(a)) if !sockets.is_empty() => {
                Some((a.saturating_sub(b) * 1024) as f64 / sockets.len() as f64)
            }
            _ => None,
        },
    };
    Ok((report, Held { sockets }))
}

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
