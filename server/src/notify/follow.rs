//! The notification follower: after messages are stored, decides who is owed a push (a member
//! other than the sender, with no live connection on any instance, push on, the room not
//! muted, not in quiet hours) and who may be owed an e-mail digest, and queues both with its
//! position in one transaction (`NotifyQueueStore::notify_apply`).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Notifier;
use super::prefs::Rules;
use super::push::topic;
use crate::db::StoreResult;
use crate::db::notify::{FollowedMessage, NotifyBatch, QueuedPush};
use crate::delivery::presence::Presence;

/// Message numbers one step covers at most.
const BATCH: i64 = 500;
/// After a failed step (the database away), before the next.
const RETRY: Duration = Duration::from_secs(1);
/// A push's `body`: the message cut to this many characters.
const BODY_CHARS: usize = 120;

/// Runs steps until `shutdown`: back to back while messages remain, every `every` otherwise.
pub(super) async fn run(
    notifier: Notifier,
    presence: Presence,
    every: Duration,
    shutdown: CancellationToken,
) {
    let mut pause = Duration::ZERO;
    loop {
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = shutdown.cancelled() => return,
        }
        let step = tokio::select! {
            step = notifier.step(&presence) => step,
            () = shutdown.cancelled() => return,
        };
        pause = match step {
            Ok(true) => Duration::ZERO,
            Ok(false) => every,
            Err(err) => {
                tracing::warn!(%err, "the notification follower's step failed; retrying");
                RETRY
            }
        };
    }
}

impl Notifier {
    /// One step; `true` when more committed messages wait.
    async fn step(&self, presence: &Presence) -> StoreResult<bool> {
        let store = &self.inner.store;
        let Some(batch) = store.notify_batch(BATCH).await? else {
            return Ok(false);
        };
        let now = Utc::now();
        let rules: HashMap<Uuid, Rules> = batch
            .prefs
            .iter()
            .map(|(user, record)| (*user, Rules::of(Some(record))))
            .collect();
        let defaults = Rules::of(None);
        let rules_of = |user: &Uuid| rules.get(user).unwrap_or(&defaults);
        let mut subs: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (user, sub) in &batch.subscriptions {
            subs.entry(*user).or_default().push(*sub);
        }
        let with_subs: Vec<Uuid> = subs.keys().copied().collect();
        let online = presence.online(&with_subs).await;
        let members = members_by_room(&batch);
        let mut pushes: Vec<(Uuid, &FollowedMessage)> = Vec::new();
        let mut digests: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
        let delay = chrono::Duration::from_std(self.inner.config.email_delay).unwrap_or_default();
        for message in &batch.messages {
            for user in members.get(&message.room).into_iter().flatten() {
                let rule = rules_of(user);
                if *user == message.sender || rule.muted.contains(&message.room) {
                    continue;
                }
                if rule.push
                    && subs.contains_key(user)
                    && !online.contains(user)
                    && !rule.quiet_at(now)
                {
                    pushes.push((*user, message));
                }
                if rule.email && self.inner.mailer.is_some() {
                    digests.entry(*user).or_insert(message.created_at + delay);
                }
            }
        }
        let queued = self.payloads(&pushes, &subs).await?;
        let digests: Vec<(Uuid, DateTime<Utc>)> = digests.into_iter().collect();
        let applied = store
            .notify_apply((batch.position, batch.upto), &queued, &digests, now)
            .await?;
        if applied && !queued.is_empty() {
            self.inner.queued.notify_one();
        }
        Ok(batch.more || !applied)
    }

    /// The pushes for `(user, message)`, in message order, one per subscription, each with
    /// the user's unread total.
    async fn payloads(
        &self,
        pushes: &[(Uuid, &FollowedMessage)],
        subs: &HashMap<Uuid, Vec<Uuid>>,
    ) -> StoreResult<Vec<QueuedPush>> {
        let users: HashSet<Uuid> = pushes.iter().map(|(user, _)| *user).collect();
        let mut unread = HashMap::with_capacity(users.len());
        for user in users {
            unread.insert(user, self.inner.store.unread_total(user).await?);
        }
        let mut queued = Vec::new();
        for (user, message) in pushes {
            let payload = json!({
                "type": "new_message",
                "room_id": message.room,
                "message_id": message.id,
                "sender": {"id": message.sender, "first_name": message.sender_first_name},
                "body": body(message),
                "unread": unread.get(user).copied().unwrap_or(0),
            })
            .to_string();
            for sub in subs.get(user).into_iter().flatten() {
                queued.push(QueuedPush {
                    subscription: *sub,
                    topic: topic(message.room),
                    urgency: "high",
                    payload: payload.clone(),
                });
            }
        }
        Ok(queued)
    }

    /// Queues `{type: "read", room_id, unread}` for each of the user's subscriptions.
    pub(super) async fn queue_read(&self, user: Uuid, room: Uuid) -> StoreResult<()> {
        let store = &self.inner.store;
        let subs = store.subscriptions(user).await?;
        if subs.is_empty() {
            return Ok(());
        }
        let unread = store.unread_total(user).await?;
        let payload = json!({"type": "read", "room_id": room, "unread": unread}).to_string();
        let queued: Vec<QueuedPush> = subs
            .iter()
            .map(|sub| QueuedPush {
                subscription: sub.id,
                topic: topic(room),
                urgency: "low",
                payload: payload.clone(),
            })
            .collect();
        store.queue_pushes(&queued, Utc::now()).await?;
        self.inner.queued.notify_one();
        Ok(())
    }
}

fn members_by_room(batch: &NotifyBatch) -> HashMap<Uuid, Vec<Uuid>> {
    let mut members: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (room, user) in &batch.members {
        members.entry(*room).or_default().push(*user);
    }
    members
}

/// What a push shows of a message: [`super::shown`], cut to 120 characters.
fn body(message: &FollowedMessage) -> String {
    let shown = super::shown(
        &message.kind,
        message.file_name.as_deref(),
        &message.content,
    );
    shown.chars().take(BODY_CHARS).collect()
}
