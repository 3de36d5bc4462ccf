//! Work that follows deliveries, batched off the hot path: notifications for recipients with
//! no live connection (`notification:events`) and presence's record of rooms joined live.
//! (Delivery receipts go to the writer.)

use serde::Serialize;
use tigo_common::Message;
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

use super::presence::Presence;
use crate::bus::Bus;
use crate::bus::NOTIFICATIONS_CHANNEL;
use crate::delivery::events::Followup;

const MAX_BATCH: usize = 1024;

/// The payload published on `notification:events`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Notification {
    #[serde(rename = "type")]
    pub kind: String,
    pub user_id: Uuid,
    pub title: String,
    pub message: String,
    pub metadata: NotificationMeta,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct NotificationMeta {
    pub chat_room_id: Uuid,
    pub sender_id: Uuid,
    pub message_id: Uuid,
}

impl Notification {
    pub fn for_message(message: &Message, user_id: Uuid) -> Notification {
        let preview: String = crate::db::preview(&message.content, message.file_name.as_deref())
            .chars()
            .take(140)
            .collect();
        Notification {
            kind: "CHAT_MESSAGE".into(),
            user_id,
            title: format!("New message from {}", message.sender.display_name()),
            message: preview,
            metadata: NotificationMeta {
                chat_room_id: message.chat_room_id,
                sender_id: message.sender_id,
                message_id: message.id,
            },
        }
    }
}

/// Where follow-up work goes: presence (rooms joined live, who is online) and the channel
/// notifications are published on (Redis, or in process without it).
pub struct Followups {
    pub presence: Presence,
    pub bus: Bus,
    pub notifications: broadcast::Sender<Notification>,
}

/// Does the follow-up work as it arrives, in batches, until `shutdown`.
pub async fn run(
    to: Followups,
    mut rx: mpsc::Receiver<Followup>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(Some(first)) = shutdown.run_until_cancelled(rx.recv()).await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        let mut notify = Vec::new();
        for item in batch.drain(..) {
            match item {
                Followup::Notify {
                    message,
                    recipients,
                } => notify.push((message, recipients)),
                Followup::Joined { user, room } => to.presence.joined(user, room).await,
            }
        }
        if !notify.is_empty() {
            send_notifications(&to, notify).await;
        }
    }
}

async fn send_notifications(to: &Followups, notify: Vec<(std::sync::Arc<Message>, Vec<Uuid>)>) {
    let mut everyone: Vec<Uuid> = notify.iter().flat_map(|(_, r)| r.iter().copied()).collect();
    everyone.sort();
    everyone.dedup();
    let online = to.presence.online(&everyone).await;
    for (message, recipients) in notify {
        for user in recipients.into_iter().filter(|u| !online.contains(u)) {
            let notification = Notification::for_message(&message, user);
            match to.bus.redis() {
                Some(redis) => redis.publish(NOTIFICATIONS_CHANNEL, &notification),
                None => {
                    let _ = to.notifications.send(notification);
                }
            }
        }
    }
}
