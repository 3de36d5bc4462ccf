//! The closed loop: one message in flight per sender (the next goes on `message_sent`), one
//! receiver per member of a room other than the senders' side, each checking every message
//! arrives once and in order.

use tigo_common::SendMessage;
use tigo_common::client_events::SEND_MESSAGE;
use tigo_common::server_events::{ERROR, MESSAGE_SENT};

use super::*;
use crate::sio::Events;

/// The original's workload: `senders` connections spread over the rooms, one message in
/// flight each (the next goes on `message_sent`), one receiver per room (and one per other
/// member of it), `messages` in all.
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
    let per_sender = shares(messages, senders);
    let mut expected_per_room = vec![0u64; rooms.len()];
    for (i, n) in per_sender.iter().enumerate() {
        expected_per_room[i % rooms.len()] += n;
    }
    let mut receiver_sockets = Vec::new();
    let mut expected = 0;
    for (r, room) in rooms.iter().enumerate() {
        for token in std::iter::once(&room.receiver_token).chain(&room.member_tokens) {
            let (socket, events) = connect(url, token, None, &[]).await?;
            receiver_sockets.push(socket);
            expected += expected_per_room[r];
            receivers.push(tokio::spawn(receive(
                events,
                start,
                expected_per_room[r],
                deadline,
                |at| at,
            )));
        }
    }
    let mut sender_sockets = Vec::new();
    let mut tasks = Vec::new();
    let errors = Arc::new(Mutex::new(0u64));
    let measured = Instant::now();
    for (i, count) in per_sender.iter().copied().enumerate() {
        let room = &rooms[i % rooms.len()];
        let (socket, events) = connect(url, &room.sender_token, None, &[]).await?;
        sender_sockets.push(socket.clone());
        let sender = OneAtATime {
            index: i,
            room_id: room.id,
            count,
            start,
            deadline,
        };
        tasks.push(tokio::spawn(sender.run(socket, events, errors.clone())));
    }
    let (sent, tallies) = gather(tasks, receivers).await;
    let elapsed = measured.elapsed();
    for s in sender_sockets.iter().chain(&receiver_sockets) {
        s.close();
    }
    let errors = *errors.lock().await;
    let mut report = summarize("closed-loop", tallies, sent, expected, errors, elapsed);
    report.senders = senders;
    report.receivers = receiver_sockets.len();
    report.rooms = rooms.len();
    Ok(report)
}

/// One sender of the closed loop: its index (in the message text), room and number of messages.
struct OneAtATime {
    index: usize,
    room_id: Uuid,
    count: u64,
    start: Instant,
    deadline: tokio::time::Instant,
}

impl OneAtATime {
    /// Sends its messages, each after the last one's `message_sent` (or error); returns how
    /// many went out.
    async fn run(self, socket: Socket, mut events: Events, errors: Arc<Mutex<u64>>) -> u64 {
        let mut sent = 0;
        for seq in 0..self.count {
            let at = self.start.elapsed().as_micros() as u64;
            let body = SendMessage {
                chat_room_id: self.room_id,
                content: content(self.index as u32, seq, at, ""),
                ..SendMessage::default()
            };
            if socket.emit(SEND_MESSAGE, &body).is_err() {
                *errors.lock().await += 1;
                break;
            }
            sent += 1;
            // Wait for our message_sent (or an error) before the next one.
            loop {
                match tokio::time::timeout_at(self.deadline, events.next()).await {
                    Ok(Some(e)) if e.name == MESSAGE_SENT => break,
                    Ok(Some(e)) if e.name == ERROR => {
                        *errors.lock().await += 1;
                        break;
                    }
                    Ok(Some(_)) => continue,
                    _ => return sent,
                }
            }
        }
        sent
    }
}
