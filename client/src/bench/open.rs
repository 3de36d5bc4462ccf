//! The open loop: a fixed send rate whatever the server's pace, latency measured from each
//! message's scheduled send time (so a server falling behind cannot hide it).

use tigo_common::SendMessage;
use tigo_common::client_events::SEND_MESSAGE;
use tigo_common::server_events::ERROR;

use super::*;
use crate::sio::Events;

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
    let plan = Plan::new(rooms.len(), connections, rate, duration);
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5) + duration + drain;
    let mut receiver_tasks = Vec::new();
    let mut sockets = Vec::new();
    for i in 0..plan.receivers {
        let r = i % rooms.len();
        let (socket, events) = connect(url, &rooms[r].receiver_token, None, &[]).await?;
        sockets.push(socket);
        receiver_tasks.push(tokio::spawn(receive(
            events,
            start,
            plan.sent_per_room[r],
            deadline,
            |at| at,
        )));
    }
    let padding = "x".repeat(size.saturating_sub(40));
    let mut sender_conns = Vec::new();
    for i in 0..plan.senders {
        sender_conns.push(connect(url, &rooms[i % rooms.len()].sender_token, None, &[]).await?);
    }
    let errors = Arc::new(Mutex::new(0u64));
    let origin = start.elapsed() + Duration::from_millis(200);
    let mut tasks = Vec::new();
    for (i, (socket, events)) in sender_conns.into_iter().enumerate() {
        sockets.push(socket.clone());
        let sender = OnSchedule {
            index: i,
            room_id: rooms[i % rooms.len()].id,
            count: plan.per_sender[i],
            senders: plan.senders,
            rate,
            start,
            origin,
            padding: padding.clone(),
        };
        count_errors(events, errors.clone());
        tasks.push(tokio::spawn(sender.run(socket, errors.clone())));
    }
    let (sent, tallies) = gather(tasks, receiver_tasks).await;
    let elapsed = duration;
    for s in &sockets {
        s.close();
    }
    let errors = *errors.lock().await;
    let expected = plan.expected;
    let mut report = summarize("open-loop", tallies, sent, expected, errors, elapsed);
    // Throughput is what the receivers got per second of sending, counted once per message.
    report.throughput_msg_s = sent as f64 * (report.delivered as f64 / expected.max(1) as f64)
        / duration.as_secs_f64().max(1e-9);
    report.senders = plan.senders;
    report.receivers = plan.receivers;
    report.rooms = rooms.len();
    Ok(report)
}

/// Who sends and who receives, how many messages each sender sends, and how many deliveries
/// that makes in all.
struct Plan {
    senders: usize,
    receivers: usize,
    per_sender: Vec<u64>,
    sent_per_room: Vec<u64>,
    expected: u64,
}

impl Plan {
    fn new(rooms: usize, connections: usize, rate: f64, duration: Duration) -> Plan {
        // Half the connections send (participant 1's side), half receive (participant 2's).
        let senders = (connections / 2).max(1);
        let receivers = (connections - senders).max(1);
        let total = (rate * duration.as_secs_f64()).round() as u64;
        let per_sender = shares(total, senders);
        let mut receivers_per_room = vec![0u64; rooms];
        for i in 0..receivers {
            receivers_per_room[i % rooms] += 1;
        }
        let mut sent_per_room = vec![0u64; rooms];
        for (i, n) in per_sender.iter().enumerate() {
            sent_per_room[i % rooms] += n;
        }
        let expected = sent_per_room
            .iter()
            .zip(&receivers_per_room)
            .map(|(s, r)| s * r)
            .sum();
        Plan {
            senders,
            receivers,
            per_sender,
            sent_per_room,
            expected,
        }
    }
}

/// Reads a sender's acks and errors while it sends, counting the errors.
fn count_errors(mut events: Events, counter: Arc<Mutex<u64>>) {
    tokio::spawn(async move {
        while let Some(e) = events.next().await {
            if e.name == ERROR {
                *counter.lock().await += 1;
            }
        }
    });
}

/// One sender of the open loop: message k is due at origin + (k * senders + index) / rate.
struct OnSchedule {
    index: usize,
    room_id: Uuid,
    count: u64,
    senders: usize,
    rate: f64,
    start: Instant,
    origin: Duration,
    padding: String,
}

impl OnSchedule {
    /// Sends each message at its time, late or not; returns how many went out.
    async fn run(self, socket: Socket, errors: Arc<Mutex<u64>>) -> u64 {
        let (i, senders) = (self.index, self.senders);
        let mut sent = 0;
        for seq in 0..self.count {
            let due = self.origin
                + Duration::from_secs_f64((seq as f64 * senders as f64 + i as f64) / self.rate);
            let now = self.start.elapsed();
            if due > now {
                tokio::time::sleep(due - now).await;
            }
            let at = due.as_micros() as u64;
            let body = SendMessage {
                chat_room_id: self.room_id,
                content: content(i as u32, seq, at, &self.padding),
                ..SendMessage::default()
            };
            if socket.emit(SEND_MESSAGE, &body).is_err() {
                *errors.lock().await += 1;
                break;
            }
            sent += 1;
        }
        sent
    }
}
