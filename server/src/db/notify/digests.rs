//! [`DigestStore`], written once for both dialects: the users the notification follower
//! marked as maybe owed an e-mail digest, taken by lease, their unread messages, and what a
//! sent digest leaves behind (when, up to which message, when to look again).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use uuid::Uuid;

use super::{DigestMessage, DigestStore};
use crate::db::StoreResult;
use crate::db::backend::Backend;
use crate::db::rows::Instant;

const CLAIM_DIGESTS: &str = "UPDATE email_pending SET due_at = $2
    WHERE due_at <= $1
      AND user_id IN (SELECT user_id FROM email_pending WHERE due_at <= $1
                      ORDER BY due_at LIMIT $3)
    RETURNING user_id, version";

/// Unread messages of `$1` from others up to `$2`, newest first, with the hotel's name when
/// the reader is on the guest's side of a registered hotel's room.
const DIGEST_MESSAGES: &str = concat!(
    "SELECT m.seq, m.chat_room_id,
        CASE WHEN rm.role <> 'staff' AND h.owner_id <> $1 THEN h.name END AS hotel_name,
        u.first_name, u.last_name, m.content, m.type, m.file_name, m.created_at
    FROM room_members rm
    JOIN chat_rooms r ON r.id = rm.room_id
    JOIN chat_messages m ON m.chat_room_id = rm.room_id AND m.sender_id <> rm.user_id
    JOIN users u ON u.id = m.sender_id
    LEFT JOIN hotels h ON h.id = r.hotel_id
    LEFT JOIN chat_room_reads rr ON rr.chat_room_id = rm.room_id AND rr.user_id = rm.user_id
    WHERE rm.user_id = $1 AND m.created_at <= $2
      AND ",
    unread_by_member!(),
    " ORDER BY m.seq DESC LIMIT $3"
);

const EMAILED: &str = "INSERT INTO notification_prefs (user_id, emailed_at, emailed_seq)
        VALUES ($1, $2, $3)
    ON CONFLICT (user_id) DO UPDATE SET emailed_at = excluded.emailed_at,
        emailed_seq = excluded.emailed_seq";

const DIGEST_DUE: &str = "UPDATE email_pending SET due_at = $2 WHERE user_id = $1";

const DIGEST_DONE: &str = "DELETE FROM email_pending WHERE user_id = $1 AND version = $2";

#[derive(FromRow)]
pub(crate) struct DigestRow {
    seq: i64,
    chat_room_id: Uuid,
    hotel_name: Option<String>,
    first_name: String,
    last_name: String,
    content: String,
    #[sqlx(rename = "type")]
    kind: String,
    file_name: Option<String>,
    created_at: Instant,
}

impl From<DigestRow> for DigestMessage {
    fn from(row: DigestRow) -> DigestMessage {
        DigestMessage {
            seq: row.seq,
            room: row.chat_room_id,
            hotel_name: row.hotel_name,
            sender_first_name: row.first_name,
            sender_last_name: row.last_name,
            content: row.content,
            kind: row.kind,
            file_name: row.file_name,
            created_at: row.created_at.0,
        }
    }
}

#[async_trait]
impl<S: Backend> DigestStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (Uuid, i64): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> DigestRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn claim_digests(
        &self,
        now: DateTime<Utc>,
        lease: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<(Uuid, i64)>> {
        Ok(sqlx::query_as(CLAIM_DIGESTS)
            .bind(Instant(now))
            .bind(Instant(lease))
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    async fn digest_messages(
        &self,
        user: Uuid,
        cutoff: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<DigestMessage>> {
        let rows: Vec<DigestRow> = sqlx::query_as(DIGEST_MESSAGES)
            .bind(user)
            .bind(Instant(cutoff))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(DigestMessage::from).collect())
    }

    async fn digest_sent(
        &self,
        user: Uuid,
        (at, seq): (DateTime<Utc>, i64),
        next: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(EMAILED)
            .bind(user)
            .bind(Instant(at))
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query(DIGEST_DUE)
            .bind(user)
            .bind(Instant(next))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn digest_later(
        &self,
        (user, version): (Uuid, i64),
        next: Option<DateTime<Utc>>,
        recheck: DateTime<Utc>,
    ) -> StoreResult<()> {
        if next.is_none() {
            let done = sqlx::query(DIGEST_DONE)
                .bind(user)
                .bind(version)
                .execute(self.pool())
                .await?;
            if S::rows_affected(&done) > 0 {
                return Ok(());
            }
        }
        sqlx::query(DIGEST_DUE)
            .bind(user)
            .bind(Instant(next.unwrap_or(recheck)))
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
