//! [`NotifyQueueStore`], written once for both dialects: the notification follower's steps
//! (read a batch past its position; queue what it decided and move the position in one
//! transaction, only if no other instance moved it first) and the push queue, taken by lease
//! (see `migrations/*/0017_notifications.sql`). The digests the follower marks are
//! `digests`'.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use uuid::Uuid;

use super::prefs::{PrefsRow, SubscriptionRow};
use super::{
    ClaimedPush, FollowedMessage, NotifyBatch, NotifyQueueStore, PrefsRecord, QueuedPush,
    Subscription,
};
use crate::db::StoreResult;
use crate::db::backend::{Backend, FollowerDialect, follower_step};
use crate::db::rows::Instant;

const MESSAGES: &str = "SELECT m.seq, m.id, m.chat_room_id, m.sender_id, u.first_name, m.content,
        m.type, m.file_name, m.created_at
    FROM chat_messages m JOIN users u ON u.id = m.sender_id
    WHERE m.seq > $1 AND m.seq <= $2 ORDER BY m.seq";

/// The rooms of messages `($1, $2]`.
macro_rules! batch_rooms {
    () => {
        "SELECT chat_room_id FROM chat_messages WHERE seq > $1 AND seq <= $2"
    };
}

/// The members of those rooms.
macro_rules! batch_users {
    () => {
        concat!(
            "SELECT user_id FROM room_members WHERE room_id IN (",
            batch_rooms!(),
            ")"
        )
    };
}

const MEMBERS: &str = concat!(
    "SELECT DISTINCT room_id, user_id FROM room_members WHERE room_id IN (",
    batch_rooms!(),
    ")"
);

const MEMBER_PREFS: &str = concat!(
    "SELECT user_id, push, email, quiet_hours, muted_rooms, last_seen_at, emailed_at,
        emailed_seq
    FROM notification_prefs WHERE user_id IN (",
    batch_users!(),
    ")"
);

const MEMBER_SUBSCRIPTIONS: &str = concat!(
    "SELECT user_id, id FROM push_subscriptions WHERE user_id IN (",
    batch_users!(),
    ")"
);

/// Moves the position only from where the step began: 0 rows, another instance was first.
const MOVE: &str = "UPDATE followers SET position = $2 WHERE name = 'notify' AND position = $1";

const QUEUE_PUSH: &str = "INSERT INTO push_outbox
        (subscription_id, topic, urgency, payload, attempts, due_at)
    VALUES ($1, $2, $3, $4, 0, $5)";

/// Marks a user as maybe owed a digest; an existing mark keeps its time (a lease, or a
/// throttle) and only moves its version.
const MARK_DIGEST: &str = "INSERT INTO email_pending (user_id, version, due_at) VALUES ($1, 0, $2)
    ON CONFLICT (user_id) DO UPDATE SET version = email_pending.version + 1";

const CLAIM_PUSHES: &str = "UPDATE push_outbox SET due_at = $2, attempts = attempts + 1
    WHERE due_at <= $1
      AND id IN (SELECT id FROM push_outbox WHERE due_at <= $1 ORDER BY due_at, id LIMIT $3)
    RETURNING id, attempts, subscription_id, topic, urgency, payload";

const SUBSCRIPTION: &str = "SELECT id, user_id, endpoint, p256dh, auth, created_at
    FROM push_subscriptions WHERE id = $1";

const FINISH_PUSH: &str = "DELETE FROM push_outbox WHERE id = $1";

const RETRY_PUSH: &str = "UPDATE push_outbox SET due_at = $2 WHERE id = $1";

const WAITING: &str = "SELECT count(*) FROM push_outbox";

const UNREAD_TOTAL: &str = concat!(
    "SELECT count(*) FROM room_members rm
    JOIN chat_messages m ON m.chat_room_id = rm.room_id AND m.sender_id <> rm.user_id
    LEFT JOIN chat_room_reads rr ON rr.chat_room_id = rm.room_id AND rr.user_id = rm.user_id
    WHERE rm.user_id = $1
      AND ",
    unread_by_member!()
);

#[derive(FromRow)]
pub(crate) struct MessageRow {
    seq: i64,
    id: Uuid,
    chat_room_id: Uuid,
    sender_id: Uuid,
    first_name: String,
    content: String,
    #[sqlx(rename = "type")]
    kind: String,
    file_name: Option<String>,
    created_at: Instant,
}

#[derive(FromRow)]
pub(crate) struct MemberPrefsRow {
    user_id: Uuid,
    #[sqlx(flatten)]
    prefs: PrefsRow,
}

#[derive(FromRow)]
pub(crate) struct ClaimedRow {
    id: i64,
    attempts: i32,
    subscription_id: Uuid,
    topic: String,
    urgency: String,
    payload: String,
}

impl From<MessageRow> for FollowedMessage {
    fn from(row: MessageRow) -> FollowedMessage {
        FollowedMessage {
            seq: row.seq,
            id: row.id,
            room: row.chat_room_id,
            sender: row.sender_id,
            sender_first_name: row.first_name,
            content: row.content,
            kind: row.kind,
            file_name: row.file_name,
            created_at: row.created_at.0,
        }
    }
}

#[async_trait]
impl<S: Backend + FollowerDialect> NotifyQueueStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (i64,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (i64, i64): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (Uuid, Uuid): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> MessageRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> MemberPrefsRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> ClaimedRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> SubscriptionRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn notify_batch(&self, limit: i64) -> StoreResult<Option<NotifyBatch>> {
        let Some((position, upto, more)) = follower_step(self, "notify", limit).await? else {
            return Ok(None);
        };
        let pool = self.pool();
        let messages: Vec<MessageRow> = sqlx::query_as(MESSAGES)
            .bind(position)
            .bind(upto)
            .fetch_all(pool)
            .await?;
        let members: Vec<(Uuid, Uuid)> = sqlx::query_as(MEMBERS)
            .bind(position)
            .bind(upto)
            .fetch_all(pool)
            .await?;
        let prefs: Vec<MemberPrefsRow> = sqlx::query_as(MEMBER_PREFS)
            .bind(position)
            .bind(upto)
            .fetch_all(pool)
            .await?;
        let subscriptions: Vec<(Uuid, Uuid)> = sqlx::query_as(MEMBER_SUBSCRIPTIONS)
            .bind(position)
            .bind(upto)
            .fetch_all(pool)
            .await?;
        Ok(Some(NotifyBatch {
            position,
            upto,
            more,
            messages: messages.into_iter().map(FollowedMessage::from).collect(),
            members,
            prefs: prefs
                .into_iter()
                .map(|row| (row.user_id, PrefsRecord::from(row.prefs)))
                .collect(),
            subscriptions,
        }))
    }

    async fn notify_apply(
        &self,
        (position, upto): (i64, i64),
        pushes: &[QueuedPush],
        digests: &[(Uuid, DateTime<Utc>)],
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(MOVE)
            .bind(position)
            .bind(upto)
            .execute(&mut *tx)
            .await?;
        if S::rows_affected(&moved) == 0 {
            return Ok(false);
        }
        for push in pushes {
            queue_push::<S>(&mut tx, push, now).await?;
        }
        for (user, due) in digests {
            sqlx::query(MARK_DIGEST)
                .bind(*user)
                .bind(Instant(*due))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn queue_pushes(&self, pushes: &[QueuedPush], now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for push in pushes {
            queue_push::<S>(&mut tx, push, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn claim_pushes(
        &self,
        now: DateTime<Utc>,
        lease: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedPush>> {
        let rows: Vec<ClaimedRow> = sqlx::query_as(CLAIM_PUSHES)
            .bind(Instant(now))
            .bind(Instant(lease))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            let sub: Option<SubscriptionRow> = sqlx::query_as(SUBSCRIPTION)
                .bind(row.subscription_id)
                .fetch_optional(self.pool())
                .await?;
            // A subscription deleted since: its pushes went with it (cascade).
            let Some(sub) = sub else { continue };
            claimed.push(ClaimedPush {
                id: row.id,
                attempts: row.attempts,
                topic: row.topic,
                urgency: row.urgency,
                payload: row.payload,
                subscription: Subscription::from(sub),
            });
        }
        Ok(claimed)
    }

    async fn finish_push(&self, id: i64) -> StoreResult<()> {
        sqlx::query(FINISH_PUSH)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn retry_push(&self, id: i64, due: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(RETRY_PUSH)
            .bind(id)
            .bind(Instant(due))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn pushes_waiting(&self) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as(WAITING).fetch_one(self.pool()).await?;
        Ok(n)
    }

    async fn unread_total(&self, user: Uuid) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as(UNREAD_TOTAL)
            .bind(user)
            .fetch_one(self.pool())
            .await?;
        Ok(n)
    }
}

async fn queue_push<S: Backend>(
    tx: &mut sqlx::Transaction<'static, S::Db>,
    push: &QueuedPush,
    now: DateTime<Utc>,
) -> StoreResult<()>
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
{
    sqlx::query(QUEUE_PUSH)
        .bind(push.subscription)
        .bind(push.topic.as_str())
        .bind(push.urgency)
        .bind(push.payload.as_str())
        .bind(Instant(now))
        .execute(&mut **tx)
        .await?;
    Ok(())
}
