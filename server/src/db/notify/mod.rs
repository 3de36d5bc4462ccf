//! Storage of offline notifications (contract v3): push subscriptions and preferences
//! ([`NotifyPrefsStore`], in `prefs`), and the notification follower's queues
//! ([`NotifyQueueStore`], in `queue`): its position over the stored messages and the pushes
//! waiting to go; and the users who may be owed an e-mail digest ([`DigestStore`], in
//! `digests`). All written once for the two dialects; what differs (the follower's horizon)
//! is [`FollowerDialect`](crate::db::backend::FollowerDialect).

/// Message `m` is past member `rm`'s read position `rr` (a `LEFT JOIN` of
/// `chat_room_reads`; no row: nothing read), written for both dialects.
macro_rules! unread_by_member {
    () => {
        "(rr.read_upto_at IS NULL OR m.created_at > rr.read_upto_at
           OR (m.created_at = rr.read_upto_at AND m.id > rr.read_upto_id))"
    };
}

mod digests;
mod prefs;
mod queue;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreResult;

/// A stored push subscription (what `PushSubscription.toJSON()` gave, keys base64url).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: Uuid,
    pub user_id: Uuid,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: DateTime<Utc>,
}

/// A user's stored preferences and e-mail state (`None` from the store: all defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefsRecord {
    pub push: bool,
    /// `digest` or `off`.
    pub email: String,
    /// JSON `{start, end, timezone}`, validated before it is stored.
    pub quiet_hours: Option<String>,
    /// JSON array of room ids.
    pub muted_rooms: String,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub emailed_at: Option<DateTime<Utc>>,
    pub emailed_seq: i64,
}

/// A stored message the follower decides about.
#[derive(Debug, Clone)]
pub struct FollowedMessage {
    pub seq: i64,
    pub id: Uuid,
    pub room: Uuid,
    pub sender: Uuid,
    pub sender_first_name: String,
    pub content: String,
    pub kind: String,
    pub file_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One step's input: messages `(position, upto]`, the members of their rooms, and those
/// members' preferences and subscriptions.
#[derive(Debug, Clone, Default)]
pub struct NotifyBatch {
    pub position: i64,
    pub upto: i64,
    /// Committed messages past `upto` wait for the next step.
    pub more: bool,
    pub messages: Vec<FollowedMessage>,
    /// `(room, user)`.
    pub members: Vec<(Uuid, Uuid)>,
    pub prefs: Vec<(Uuid, PrefsRecord)>,
    /// `(user, subscription id)`.
    pub subscriptions: Vec<(Uuid, Uuid)>,
}

/// A push to queue.
#[derive(Debug, Clone)]
pub struct QueuedPush {
    pub subscription: Uuid,
    pub topic: String,
    pub urgency: &'static str,
    pub payload: String,
}

/// A push a sender has taken (leased) from the queue.
#[derive(Debug, Clone)]
pub struct ClaimedPush {
    pub id: i64,
    /// Tries so far, this one included.
    pub attempts: i32,
    pub topic: String,
    pub urgency: String,
    pub payload: String,
    pub subscription: Subscription,
}

/// An unread message that may go into a user's digest, with its room's facts.
#[derive(Debug, Clone)]
pub struct DigestMessage {
    pub seq: i64,
    pub room: Uuid,
    /// The hotel's name, when the room is a registered hotel's and the reader is on the
    /// guest's side (the hotel is who wrote, for them).
    pub hotel_name: Option<String>,
    pub sender_first_name: String,
    pub sender_last_name: String,
    pub content: String,
    pub kind: String,
    pub file_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Subscriptions and preferences.
#[async_trait]
pub trait NotifyPrefsStore: Send + Sync {
    /// Stores a subscription, or moves an existing one with that endpoint to `user` (new
    /// keys); `true` when it was new.
    async fn put_subscription(&self, sub: &Subscription) -> StoreResult<(Subscription, bool)>;

    /// The user's subscriptions, oldest first.
    async fn subscriptions(&self, user: Uuid) -> StoreResult<Vec<Subscription>>;

    /// Deletes one of the user's subscriptions; false when they have none with that id.
    async fn delete_subscription(&self, user: Uuid, id: Uuid) -> StoreResult<bool>;

    /// Deletes a subscription the push service called gone.
    async fn forget_subscription(&self, id: Uuid) -> StoreResult<()>;

    async fn prefs(&self, user: Uuid) -> StoreResult<Option<PrefsRecord>>;

    /// Stores the preferences a user chose (their e-mail state is kept).
    async fn put_prefs(&self, user: Uuid, prefs: &PrefsRecord) -> StoreResult<()>;

    /// Turns e-mail off (the one-click unsubscribe).
    async fn email_off(&self, user: Uuid) -> StoreResult<()>;

    /// A connection of the user began or ended at `at`.
    async fn seen(&self, user: Uuid, at: DateTime<Utc>) -> StoreResult<()>;
}

/// The follower's position and its two queues.
#[async_trait]
pub trait NotifyQueueStore: Send + Sync {
    /// The next messages past the follower's position, at most `limit`; `None`: caught up.
    async fn notify_batch(&self, limit: i64) -> StoreResult<Option<NotifyBatch>>;

    /// Queues `pushes` and marks `digests` (user, due) as owed an e-mail (an earlier due
    /// stays), and moves the position from `position` to `upto`, in one transaction; false
    /// (nothing done) when the position is no longer `position` (another instance moved it).
    async fn notify_apply(
        &self,
        (position, upto): (i64, i64),
        pushes: &[QueuedPush],
        digests: &[(Uuid, DateTime<Utc>)],
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Queues pushes outside a follower step (a read on another device).
    async fn queue_pushes(&self, pushes: &[QueuedPush], now: DateTime<Utc>) -> StoreResult<()>;

    /// Takes up to `limit` due pushes until `lease` (each try counted).
    async fn claim_pushes(
        &self,
        now: DateTime<Utc>,
        lease: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedPush>>;

    /// A push is done with (sent, or given up).
    async fn finish_push(&self, id: i64) -> StoreResult<()>;

    /// A push to try again at `due`.
    async fn retry_push(&self, id: i64, due: DateTime<Utc>) -> StoreResult<()>;

    /// Pushes waiting, for the metrics.
    async fn pushes_waiting(&self) -> StoreResult<i64>;

    /// The user's unread total over every room they are a member of.
    async fn unread_total(&self, user: Uuid) -> StoreResult<i64>;
}

/// The users who may be owed an e-mail digest, and what a digest reads and leaves behind.
#[async_trait]
pub trait DigestStore: Send + Sync {
    /// Takes up to `limit` users whose digest is due, until `lease`: `(user, version)`, where
    /// `version` moves whenever the follower marks the user again.
    async fn claim_digests(
        &self,
        now: DateTime<Utc>,
        lease: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<(Uuid, i64)>>;

    /// The user's unread messages from others created at or before `cutoff`, newest first,
    /// at most `limit`.
    async fn digest_messages(
        &self,
        user: Uuid,
        cutoff: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<DigestMessage>>;

    /// A digest went out at `at` with messages up to `seq`; look again at `next` (when the
    /// interval has passed).
    async fn digest_sent(
        &self,
        user: Uuid,
        (at, seq): (DateTime<Utc>, i64),
        next: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Nothing sent: look again at `next`; `None`: nothing is owed, so the mark goes, unless
    /// the follower marked the user again since the claim (`version`), then look at `recheck`.
    async fn digest_later(
        &self,
        (user, version): (Uuid, i64),
        next: Option<DateTime<Utc>>,
        recheck: DateTime<Utc>,
    ) -> StoreResult<()>;
}
