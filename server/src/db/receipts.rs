//! [`ReceiptStore`], written once for both dialects. Receipts are positions, one row per
//! member and room (`chat_room_reads`: last read, last delivered), never per-message writes; a
//! message's `status` derives from them (`sql::message_select!`). A read moves its row in one
//! write transaction (SQLite takes its write lock up front, PostgreSQL its row lock as it
//! writes); delivery receipts ride the group commit ([`MessageStore::commit`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use tigo_common::MemberReceipt;
use uuid::Uuid;

use super::backend::Backend;
use super::recovery::log_event;
use super::rows::Instant;
use super::sql;
use super::{MessageStore, ReadOutcome, ReceiptStore, StoreResult};

#[async_trait]
impl<S: Backend + MessageStore> ReceiptStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Uuid>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Instant>: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (i64,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (Instant, Uuid): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> PositionsRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn mark_read(
        &self,
        room_id: Uuid,
        user: Uuid,
        member: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<ReadOutcome> {
        // Positions are a member's: an admin reading a room they are not in leaves none (a
        // row here would count towards the messages' status).
        if !member {
            return Ok(ReadOutcome {
                read_at: at,
                seq: None,
            });
        }
        let mut tx = self.begin_write().await?;
        // The room's row first, as the group commit locks it (then the positions): the same
        // order everywhere, so a read and a commit wait for each other, never deadlock.
        let kind = "messages_read";
        let seq = log_event::<S::Db>(&mut tx, room_id, kind, None, Some(user), at).await?;
        let newest: Option<(Instant, Uuid)> = sqlx::query_as(sql::NEWEST_IN_ROOM)
            .bind(room_id)
            .fetch_optional(&mut *tx)
            .await?;
        // One row moves, however many messages the read covers: their status derives from it.
        sqlx::query(sql::UPSERT_READ_MARK)
            .bind(room_id)
            .bind(user)
            .bind(newest.map(|n| n.0))
            .bind(newest.map(|n| n.1))
            .bind(Instant(at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ReadOutcome {
            read_at: at,
            seq: Some(seq),
        })
    }

    async fn member_receipts(&self, room_id: Uuid) -> StoreResult<Vec<MemberReceipt>> {
        let rows: Vec<PositionsRow> = sqlx::query_as(sql::MEMBER_POSITIONS)
            .bind(room_id)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(PositionsRow::receipt).collect())
    }
}

/// A member's row of [`sql::MEMBER_POSITIONS`].
#[derive(sqlx::FromRow)]
pub(crate) struct PositionsRow {
    user_id: Uuid,
    read_upto_at: Option<Instant>,
    read_upto_id: Option<Uuid>,
    last_read_at: Option<Instant>,
    delivered_upto_at: Option<Instant>,
    delivered_upto_id: Option<Uuid>,
}

impl PositionsRow {
    /// A message read was delivered: the delivered position is the later of the two.
    fn receipt(self) -> MemberReceipt {
        let read = self.read_upto_at.map(|at| at.0).zip(self.read_upto_id);
        let delivered = self
            .delivered_upto_at
            .map(|at| at.0)
            .zip(self.delivered_upto_id);
        MemberReceipt {
            user_id: self.user_id,
            last_read_message_id: read.map(|r| r.1),
            last_read_at: self.last_read_at.map(|at| at.0),
            last_delivered_message_id: read.max(delivered).map(|d| d.1),
        }
    }
}
