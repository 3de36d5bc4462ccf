//! The closed loop: one message in flight per sender (the next goes on `message_sent`), one
//! receiver per room checking every message arrives once and in order.

use super::*;

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
