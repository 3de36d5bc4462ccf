//! [`MessageStore`], written once for both dialects; each dialect's part ([`MessageSql`], in
//! `db/sqlite/messages.rs` and `db/postgres/messages.rs`) is its group commit, which the two
//! do entirely differently (a thread of its own with a connection of its own; one statement),
//! and how it recomputes a room's last message.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use tigo_common::Message;
use uuid::Uuid;

use super::backend::Backend;
use super::query::MessagePage;
use super::recovery::log_event;
use super::rows::{self, Instant, MessageRow};
use super::sql;
use super::{Committed, MessageQuery, MessageStore, NewMessage, Receipt, StoreResult};

/// The dialect's part of storing messages.
pub(crate) trait MessageSql: Backend {
    /// Recomputes room `$1`'s last message from its history (after a delete, edit or purge).
    const REFRESH_LAST: &'static str;

    /// See [`MessageStore::commit`].
    fn group_commit(
        &self,
        batch: Arc<[NewMessage]>,
        receipts: &[Receipt],
    ) -> impl Future<Output = StoreResult<Committed>> + Send;
}

#[async_trait]
impl<S: MessageSql> MessageStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Uuid>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> bool: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> MessageRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (Uuid,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (i64,): FromRow<'r, <S::Db as Database>::Row>,
{
    async fn commit(
        &self,
        batch: Arc<[NewMessage]>,
        receipts: &[Receipt],
    ) -> StoreResult<Committed> {
        self.group_commit(batch, receipts).await
    }

    async fn message(&self, id: Uuid) -> StoreResult<Option<Message>> {
        let row: Option<MessageRow> = sqlx::query_as(sql::MESSAGE_BY_ID)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        rows::optional(row)
    }

    async fn list_messages(&self, q: &MessageQuery) -> StoreResult<(Vec<Message>, i64)> {
        let page = MessagePage::new(q);
        let found: Vec<MessageRow> = sqlx::query_as_with(&page.sql, page.args.bind::<S::Db>()?)
            .fetch_all(self.pool())
            .await?;
        let messages = page.oldest_first(rows::all(found)?);
        let total: i64 = sqlx::query_scalar(sql::MESSAGE_COUNT)
            .bind(q.room_id)
            .fetch_optional(self.pool())
            .await?
            .unwrap_or(0);
        Ok((messages, total))
    }

    async fn edit_message(
        &self,
        id: Uuid,
        content: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<(Message, i64)>> {
        let mut tx = self.begin_write().await?;
        let room: Option<Uuid> = sqlx::query_scalar(sql::EDIT_MESSAGE)
            .bind(id)
            .bind(content)
            .bind(Instant(at))
            .fetch_optional(&mut *tx)
            .await?;
        let Some(room) = room else {
            return Ok(None);
        };
        sqlx::query(S::REFRESH_LAST)
            .bind(room)
            .execute(&mut *tx)
            .await?;
        let seq = log_event::<S::Db>(&mut tx, room, "message_edited", Some(id), None, at).await?;
        tx.commit().await?;
        Ok(self.message(id).await?.map(|m| (m, seq)))
    }

    /// Reads and deletes in one write transaction (SQLite: no other writer comes between;
    /// PostgreSQL: a delete that lost a race deletes nothing and answers as if the message had
    /// never been there), then keeps its room's count, last message and event log right.
    async fn delete_message(&self, id: Uuid, by: Uuid) -> StoreResult<Option<(Message, i64)>> {
        let mut tx = self.begin_write().await?;
        let row: Option<MessageRow> = sqlx::query_as(sql::MESSAGE_BY_ID)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(message) = rows::optional(row)? else {
            return Ok(None);
        };
        let done = sqlx::query(sql::DELETE_MESSAGE)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if S::rows_affected(&done) == 0 {
            return Ok(None);
        }
        let room = message.chat_room_id;
        sqlx::query(sql::DECREMENT_COUNT)
            .bind(room)
            .bind(1_i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query(S::REFRESH_LAST)
            .bind(room)
            .execute(&mut *tx)
            .await?;
        let seq = log_event::<S::Db>(
            &mut tx,
            room,
            "message_deleted",
            Some(id),
            Some(by),
            Utc::now(),
        )
        .await?;
        tx.commit().await?;
        Ok(Some((message, seq)))
    }
}
