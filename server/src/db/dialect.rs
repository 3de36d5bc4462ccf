//! Store code both dialects run alike, written once: [`Dialect`] is implemented by sqlx's
//! `Sqlite` and `Postgres`, and its provided functions run on either. The store impls in
//! `sqlite/` and `postgres/` call them wherever their code would otherwise be the same, and
//! keep their own code only where the dialects differ.
//!
//! A dialect supplies the few statements that differ in text but not in use (associated
//! constants), how it starts a writing transaction, and what its drivers need to bind and
//! decode the shared types (the trait's bounds).

use std::future::Future;

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Pool, Transaction, Type};
use tigo_common::Message;
use uuid::Uuid;

use super::query::MessagePage;
use super::recovery::log_event;
use super::rows::{self, Instant, MessageRow};
use super::sql;
use super::{MessageQuery, StoreResult};

/// A database the stores run on. The bounds say what the shared code binds and decodes; both
/// drivers meet them through sqlx's own types and those of `rows`.
pub(crate) trait Dialect: Database
where
    for<'c> &'c mut Self::Connection: Executor<'c, Database = Self>,
    for<'q> Self::Arguments<'q>: IntoArguments<'q, Self>,
    Uuid: Type<Self> + for<'q> Encode<'q, Self>,
    Option<Uuid>: for<'q> Encode<'q, Self>,
    Instant: Type<Self> + for<'q> Encode<'q, Self>,
    Option<Instant>: for<'q> Encode<'q, Self>,
    i64: Type<Self> + for<'q> Encode<'q, Self>,
    bool: Type<Self> + for<'q> Encode<'q, Self>,
    for<'q> &'q str: Type<Self> + Encode<'q, Self>,
    for<'q> Option<&'q str>: Encode<'q, Self>,
    for<'r> MessageRow: FromRow<'r, Self::Row>,
    for<'r> (Instant, Uuid): FromRow<'r, Self::Row>,
    for<'r> (Uuid,): FromRow<'r, Self::Row>,
    for<'r> (i64,): FromRow<'r, Self::Row>,
    for<'r> (String,): FromRow<'r, Self::Row>,
{
    /// Recomputes room `$1`'s last message from its history (after a delete, edit or purge).
    const REFRESH_LAST: &'static str;

    /// Starts a transaction that writes.
    fn begin_write(
        pool: &Pool<Self>,
    ) -> impl Future<Output = StoreResult<Transaction<'static, Self>>> + Send;

    /// How many rows a statement changed.
    fn rows_affected(done: &Self::QueryResult) -> u64;

    // ---- messages ---------------------------------------------------------------------------

    async fn message(pool: &Pool<Self>, id: Uuid) -> StoreResult<Option<Message>> {
        let row: Option<MessageRow> = sqlx::query_as(sql::MESSAGE_BY_ID)
            .bind(id)
            .fetch_optional(pool)
            .await?;
        rows::optional(row)
    }

    async fn list_messages(
        pool: &Pool<Self>,
        q: &MessageQuery,
    ) -> StoreResult<(Vec<Message>, i64)> {
        let page = MessagePage::new(q);
        let found: Vec<MessageRow> = sqlx::query_as_with(&page.sql, page.args.bind::<Self>()?)
            .fetch_all(pool)
            .await?;
        let messages = page.oldest_first(rows::all(found)?);
        let total: i64 = sqlx::query_scalar(sql::MESSAGE_COUNT)
            .bind(q.room_id)
            .fetch_optional(pool)
            .await?
            .unwrap_or(0);
        Ok((messages, total))
    }

    async fn edit_message(
        pool: &Pool<Self>,
        id: Uuid,
        content: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<(Message, i64)>> {
        let mut tx = Self::begin_write(pool).await?;
        let room: Option<Uuid> = sqlx::query_scalar(sql::EDIT_MESSAGE)
            .bind(id)
            .bind(content)
            .bind(Instant(at))
            .fetch_optional(&mut *tx)
            .await?;
        let Some(room) = room else {
            return Ok(None);
        };
        sqlx::query(Self::REFRESH_LAST)
            .bind(room)
            .execute(&mut *tx)
            .await?;
        let seq = log_event::<Self>(&mut tx, room, "message_edited", Some(id), None, at).await?;
        tx.commit().await?;
        Ok(Self::message(pool, id).await?.map(|m| (m, seq)))
    }

    /// Reads and deletes in one write transaction (SQLite: no other writer comes between;
    /// PostgreSQL: a delete that lost a race deletes nothing and answers as if the message had
    /// never been there), then keeps its room's count, last message and event log right.
    async fn delete_message(
        pool: &Pool<Self>,
        id: Uuid,
        by: Uuid,
    ) -> StoreResult<Option<(Message, i64)>> {
        let mut tx = Self::begin_write(pool).await?;
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
        if Self::rows_affected(&done) == 0 {
            return Ok(None);
        }
        let room = message.chat_room_id;
        sqlx::query(sql::DECREMENT_COUNT)
            .bind(room)
            .bind(1_i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query(Self::REFRESH_LAST)
            .bind(room)
            .execute(&mut *tx)
            .await?;
        let seq = log_event::<Self>(
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
