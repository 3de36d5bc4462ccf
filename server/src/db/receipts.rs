//! [`ReceiptStore`], written once for both dialects: read receipts in one write transaction
//! (SQLite takes its write lock up front, PostgreSQL its row locks as it writes); delivery
//! receipts ride the group commit ([`MessageStore::commit`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
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
{
    async fn mark_read(
        &self,
        room_id: Uuid,
        user: Uuid,
        move_status: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<ReadOutcome> {
        let mut tx = self.begin_write().await?;
        let newest: Option<(Instant, Uuid)> = sqlx::query_as(sql::NEWEST_IN_ROOM)
            .bind(room_id)
            .fetch_optional(&mut *tx)
            .await?;
        let mut changed = 0;
        if let (true, Some((upto_at, upto_id))) = (move_status, newest) {
            // A participant's messages from others up to their read mark are read already (the
            // mark only moves here, and later messages sort after it), so only what came after
            // the previous mark is touched: the cost follows the unread messages, not the room.
            let since: Option<(Instant, Uuid)> = sqlx::query_as(sql::READ_MARK)
                .bind(room_id)
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
            let update = if since.is_some() {
                sql::READ_SINCE_MARK
            } else {
                sql::READ_ALL
            };
            let mut update = sqlx::query(update)
                .bind(room_id)
                .bind(user)
                .bind(upto_at)
                .bind(upto_id)
                .bind(Instant(at));
            if let Some((since_at, since_id)) = since {
                update = update.bind(since_at).bind(since_id);
            }
            changed = S::rows_affected(&update.execute(&mut *tx).await?);
        }
        sqlx::query(sql::UPSERT_READ_MARK)
            .bind(room_id)
            .bind(user)
            .bind(Instant(at))
            .bind(newest.map(|n| n.0))
            .bind(newest.map(|n| n.1))
            .execute(&mut *tx)
            .await?;
        // Only a participant's read is told to the room, so only it is a room event.
        let seq = match move_status {
            true => {
                let kind = "messages_read";
                Some(log_event::<S::Db>(&mut tx, room_id, kind, None, Some(user), at).await?)
            }
            false => None,
        };
        tx.commit().await?;
        Ok(ReadOutcome {
            read_at: at,
            changed,
            seq,
        })
    }
}
