//! [`NotifyPrefsStore`], written once for both dialects: push subscriptions (one row per
//! endpoint; the same endpoint again moves it) and preferences (no row: the defaults).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use uuid::Uuid;

use super::{NotifyPrefsStore, PrefsRecord, Subscription};
use crate::db::StoreResult;
use crate::db::backend::Backend;
use crate::db::rows::Instant;

const SUBSCRIPTION_BY_ENDPOINT: &str = "SELECT id, user_id, endpoint, p256dh, auth, created_at
    FROM push_subscriptions WHERE endpoint = $1";

const MOVE_SUBSCRIPTION: &str =
    "UPDATE push_subscriptions SET user_id = $2, p256dh = $3, auth = $4 WHERE id = $1";

const INSERT_SUBSCRIPTION: &str = "INSERT INTO push_subscriptions
    (id, user_id, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5, $6)";

const SUBSCRIPTIONS: &str = "SELECT id, user_id, endpoint, p256dh, auth, created_at
    FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, id";

const DELETE_SUBSCRIPTION: &str = "DELETE FROM push_subscriptions WHERE user_id = $1 AND id = $2";

const FORGET_SUBSCRIPTION: &str = "DELETE FROM push_subscriptions WHERE id = $1";

const PREFS: &str = "SELECT push, email, quiet_hours, muted_rooms, last_seen_at, emailed_at,
        emailed_seq
    FROM notification_prefs WHERE user_id = $1";

const PUT_PREFS: &str = "INSERT INTO notification_prefs
        (user_id, push, email, quiet_hours, muted_rooms) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (user_id) DO UPDATE SET push = excluded.push, email = excluded.email,
        quiet_hours = excluded.quiet_hours, muted_rooms = excluded.muted_rooms";

const EMAIL_OFF: &str = "INSERT INTO notification_prefs (user_id, email) VALUES ($1, 'off')
    ON CONFLICT (user_id) DO UPDATE SET email = 'off'";

/// A connection began or ended: digests wait `EMAIL_DELAY` after it.
const SEEN: &str = "INSERT INTO notification_prefs (user_id, last_seen_at) VALUES ($1, $2)
    ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at";

#[derive(FromRow)]
pub(crate) struct SubscriptionRow {
    id: Uuid,
    user_id: Uuid,
    endpoint: String,
    p256dh: String,
    auth: String,
    created_at: Instant,
}

impl From<SubscriptionRow> for Subscription {
    fn from(row: SubscriptionRow) -> Subscription {
        Subscription {
            id: row.id,
            user_id: row.user_id,
            endpoint: row.endpoint,
            p256dh: row.p256dh,
            auth: row.auth,
            created_at: row.created_at.0,
        }
    }
}

#[derive(FromRow)]
pub(crate) struct PrefsRow {
    push: bool,
    email: String,
    quiet_hours: Option<String>,
    muted_rooms: String,
    last_seen_at: Option<Instant>,
    emailed_at: Option<Instant>,
    emailed_seq: i64,
}

impl From<PrefsRow> for PrefsRecord {
    fn from(row: PrefsRow) -> PrefsRecord {
        PrefsRecord {
            push: row.push,
            email: row.email,
            quiet_hours: row.quiet_hours,
            muted_rooms: row.muted_rooms,
            last_seen_at: row.last_seen_at.map(|at| at.0),
            emailed_at: row.emailed_at.map(|at| at.0),
            emailed_seq: row.emailed_seq,
        }
    }
}

#[async_trait]
impl<S: Backend> NotifyPrefsStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<&'q str>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> bool: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> SubscriptionRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> PrefsRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn put_subscription(&self, sub: &Subscription) -> StoreResult<(Subscription, bool)> {
        let mut tx = self.begin_write().await?;
        let had: Option<SubscriptionRow> = sqlx::query_as(SUBSCRIPTION_BY_ENDPOINT)
            .bind(sub.endpoint.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let stored = if let Some(had) = had {
            sqlx::query(MOVE_SUBSCRIPTION)
                .bind(had.id)
                .bind(sub.user_id)
                .bind(sub.p256dh.as_str())
                .bind(sub.auth.as_str())
                .execute(&mut *tx)
                .await?;
            let had = Subscription::from(had);
            (
                Subscription {
                    user_id: sub.user_id,
                    p256dh: sub.p256dh.clone(),
                    auth: sub.auth.clone(),
                    ..had
                },
                false,
            )
        } else {
            sqlx::query(INSERT_SUBSCRIPTION)
                .bind(sub.id)
                .bind(sub.user_id)
                .bind(sub.endpoint.as_str())
                .bind(sub.p256dh.as_str())
                .bind(sub.auth.as_str())
                .bind(Instant(sub.created_at))
                .execute(&mut *tx)
                .await?;
            (sub.clone(), true)
        };
        tx.commit().await?;
        Ok(stored)
    }

    async fn subscriptions(&self, user: Uuid) -> StoreResult<Vec<Subscription>> {
        let rows: Vec<SubscriptionRow> = sqlx::query_as(SUBSCRIPTIONS)
            .bind(user)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(Subscription::from).collect())
    }

    async fn delete_subscription(&self, user: Uuid, id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query(DELETE_SUBSCRIPTION)
            .bind(user)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(S::rows_affected(&done) > 0)
    }

    async fn forget_subscription(&self, id: Uuid) -> StoreResult<()> {
        sqlx::query(FORGET_SUBSCRIPTION)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn prefs(&self, user: Uuid) -> StoreResult<Option<PrefsRecord>> {
        let row: Option<PrefsRow> = sqlx::query_as(PREFS)
            .bind(user)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(PrefsRecord::from))
    }

    async fn put_prefs(&self, user: Uuid, prefs: &PrefsRecord) -> StoreResult<()> {
        sqlx::query(PUT_PREFS)
            .bind(user)
            .bind(prefs.push)
            .bind(prefs.email.as_str())
            .bind(prefs.quiet_hours.as_deref())
            .bind(prefs.muted_rooms.as_str())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn email_off(&self, user: Uuid) -> StoreResult<()> {
        sqlx::query(EMAIL_OFF)
            .bind(user)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn seen(&self, user: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(SEEN)
            .bind(user)
            .bind(Instant(at))
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
