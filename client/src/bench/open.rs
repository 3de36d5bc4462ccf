//! The open loop: a fixed send rate whatever the server's pace, latency measured from each
//! message's scheduled send time (so a server falling behind cannot hide it).

use super::*;

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
