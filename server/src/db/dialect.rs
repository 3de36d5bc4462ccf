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
use tigo_common::{Message, Room, RoomType};
use uuid::Uuid;

use super::query::{MessagePage, room_page};
use super::recovery::log_event;
use super::rows::{self, AccessRow, Instant, MessageRow, RoomRow};
use super::sql::{self, WHERE_ROOM_ID};
use super::{MessageQuery, NewRoom, RoomAccess, RoomQuery, StoreResult, WaitingRow};

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
    for<'r> AccessRow: FromRow<'r, Self::Row>,
    for<'r> RoomRow: FromRow<'r, Self::Row>,
    for<'r> MessageRow: FromRow<'r, Self::Row>,
    for<'r> WaitingRow: FromRow<'r, Self::Row>,
    for<'r> (Instant, Uuid): FromRow<'r, Self::Row>,
    for<'r> (Uuid,): FromRow<'r, Self::Row>,
    for<'r> (i64,): FromRow<'r, Self::Row>,
    for<'r> (String,): FromRow<'r, Self::Row>,
{
    /// The dialect's `sql::room_select!`.
    const ROOM_SELECT: &'static str;
    /// The room of type `$2` between `$3` and `$4` in either order, spelled like the pair index
    /// so that it finds it (`$1`: the viewer): the one of hotel `$5`, or with `$5` null the
    /// pair's room without a hotel, else its oldest.
    const ROOM_OF_PAIR: &'static str;
    /// Matches a text against a `like_pattern` case-insensitively (`{p}`: its placeholder).
    const LIKE: &'static str;
    /// The dialect's `sql::waiting_rooms!`.
    const WAITING_ROOMS: &'static str;
    /// Recomputes room `$1`'s last message from its history (after a delete, edit or purge).
    const REFRESH_LAST: &'static str;

    /// Starts a transaction that writes.
    fn begin_write(
        pool: &Pool<Self>,
    ) -> impl Future<Output = StoreResult<Transaction<'static, Self>>> + Send;

    /// How many rows a statement changed.
    fn rows_affected(done: &Self::QueryResult) -> u64;

    // ---- rooms ------------------------------------------------------------------------------

    async fn create_room(
        pool: &Pool<Self>,
        room: &NewRoom,
        viewer: Uuid,
    ) -> StoreResult<(Room, bool)> {
        // Only a customer_hotel_owner room belongs to a hotel (contract v3).
        let hotel = room
            .hotel_id
            .filter(|_| room.room_type == RoomType::CustomerHotelOwner);
        let of_pair = || {
            sqlx::query_as::<_, RoomRow>(Self::ROOM_OF_PAIR)
                .bind(viewer)
                .bind(room.room_type.as_str())
                .bind(room.participant1_id)
                .bind(room.participant2_id)
                .bind(hotel)
        };
        if let Some(found) = of_pair().fetch_optional(pool).await? {
            return Ok((rows::IntoRecord::into_record(found)?, false));
        }
        let done = sqlx::query(sql::INSERT_ROOM)
            .bind(room.id)
            .bind(room.room_type.as_str())
            .bind(room.participant1_id)
            .bind(room.participant2_id)
            .bind(room.hotel_id)
            .bind(Instant(room.created_at))
            .execute(pool)
            .await?;
        // Ours, or the one a concurrent create stored first under the same key.
        let row = of_pair().fetch_one(pool).await?;
        Ok((
            rows::IntoRecord::into_record(row)?,
            Self::rows_affected(&done) == 1,
        ))
    }

    async fn room(pool: &Pool<Self>, id: Uuid, viewer: Uuid) -> StoreResult<Option<Room>> {
        let row: Option<RoomRow> = sqlx::query_as(&format!("{}{WHERE_ROOM_ID}", Self::ROOM_SELECT))
            .bind(viewer)
            .bind(id)
            .fetch_optional(pool)
            .await?;
        rows::optional(row)
    }

    async fn room_access(pool: &Pool<Self>, id: Uuid) -> StoreResult<Option<RoomAccess>> {
        let row: Option<AccessRow> = sqlx::query_as(sql::ROOM_ACCESS)
            .bind(id)
            .fetch_optional(pool)
            .await?;
        rows::optional(row)
    }

    async fn list_rooms(pool: &Pool<Self>, q: &RoomQuery) -> StoreResult<(Vec<Room>, i64)> {
        let page = room_page(q, Self::ROOM_SELECT, Self::LIKE);
        let total: i64 = sqlx::query_scalar_with(&page.count_sql, page.count_args.bind::<Self>()?)
            .fetch_one(pool)
            .await?;
        let found: Vec<RoomRow> = sqlx::query_as_with(&page.page_sql, page.page_args.bind()?)
            .fetch_all(pool)
            .await?;
        Ok((rows::all(found)?, total))
    }

    async fn rooms_of_user(pool: &Pool<Self>, user: Uuid) -> StoreResult<Vec<RoomAccess>> {
        let found: Vec<AccessRow> = sqlx::query_as(sql::ROOMS_OF_USER)
            .bind(user)
            .fetch_all(pool)
            .await?;
        rows::all(found)
    }

    async fn waiting_rooms(pool: &Pool<Self>, limit: i64) -> StoreResult<Vec<WaitingRow>> {
        Ok(sqlx::query_as(Self::WAITING_ROOMS)
            .bind(limit)
            .fetch_all(pool)
            .await?)
    }

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
