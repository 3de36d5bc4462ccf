//! [`RoomStore`], written once for both dialects; each dialect's part ([`RoomSql`], in
//! `db/sqlite/rooms.rs` and `db/postgres/rooms.rs`) is how it spells the read mark of a reader
//! who has read nothing and the pair index, tests the Admin role, matches text, binds a list of
//! ids, and counts unread messages.

use std::collections::HashMap;
use std::future::Future;

use async_trait::async_trait;
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use tigo_common::{Room, RoomType};
use uuid::Uuid;

use super::backend::Backend;
use super::query::room_page;
use super::rows::{self, AccessRow, Instant, RoomRow};
use super::sql::{self, WHERE_ROOM_ID};
use super::{NewRoom, RoomAccess, RoomQuery, RoomStore, StoreResult, WaitingRow};

/// The dialect's part of storing rooms.
pub(crate) trait RoomSql: Backend {
    /// A list of room ids as the dialect binds it.
    type Ids: Send + 'static;

    /// The dialect's `sql::room_select!`.
    const ROOM_SELECT: &'static str;
    /// The room of type `$2` between `$3` and `$4` in either order, spelled like the pair index
    /// so that it finds it (`$1`: the viewer): the one of hotel `$5`, or with `$5` null the
    /// pair's room without a hotel, else its oldest.
    const ROOM_OF_PAIR: &'static str;
    /// The rooms among `$2` ([`Self::ids`]) as `$1` sees them.
    const ROOMS_BY_IDS: &'static str;
    /// Matches a text against a `like_pattern` case-insensitively (`{p}`: its placeholder).
    const LIKE: &'static str;
    /// The dialect's `sql::waiting_rooms!`.
    const WAITING_ROOMS: &'static str;

    fn ids(ids: &[Uuid]) -> Self::Ids;

    /// See [`RoomStore::unread_counts`].
    fn unread(
        &self,
        user: Uuid,
        rooms: &[Uuid],
    ) -> impl Future<Output = StoreResult<HashMap<Uuid, i64>>> + Send;
}

#[async_trait]
impl<S: RoomSql> RoomStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Uuid>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> bool: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> S::Ids: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> AccessRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> RoomRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> WaitingRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (i64,): FromRow<'r, <S::Db as Database>::Row>,
{
    async fn create_room(&self, room: &NewRoom, viewer: Uuid) -> StoreResult<(Room, bool)> {
        // Only a customer_hotel_owner room belongs to a hotel (contract v3).
        let hotel = room
            .hotel_id
            .filter(|_| room.room_type == RoomType::CustomerHotelOwner);
        let of_pair = || {
            sqlx::query_as::<_, RoomRow>(S::ROOM_OF_PAIR)
                .bind(viewer)
                .bind(room.room_type.as_str())
                .bind(room.participant1_id)
                .bind(room.participant2_id)
                .bind(hotel)
        };
        if let Some(found) = of_pair().fetch_optional(self.pool()).await? {
            return Ok((rows::IntoRecord::into_record(found)?, false));
        }
        let done = sqlx::query(sql::INSERT_ROOM)
            .bind(room.id)
            .bind(room.room_type.as_str())
            .bind(room.participant1_id)
            .bind(room.participant2_id)
            .bind(room.hotel_id)
            .bind(Instant(room.created_at))
            .execute(self.pool())
            .await?;
        // Ours, or the one a concurrent create stored first under the same key.
        let row = of_pair().fetch_one(self.pool()).await?;
        Ok((
            rows::IntoRecord::into_record(row)?,
            S::rows_affected(&done) == 1,
        ))
    }

    async fn room(&self, id: Uuid, viewer: Uuid) -> StoreResult<Option<Room>> {
        let row: Option<RoomRow> = sqlx::query_as(&format!("{}{WHERE_ROOM_ID}", S::ROOM_SELECT))
            .bind(viewer)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        rows::optional(row)
    }

    async fn room_access(&self, id: Uuid) -> StoreResult<Option<RoomAccess>> {
        let row: Option<AccessRow> = sqlx::query_as(sql::ROOM_ACCESS)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        rows::optional(row)
    }

    async fn list_rooms(&self, q: &RoomQuery) -> StoreResult<(Vec<Room>, i64)> {
        let page = room_page(q, S::ROOM_SELECT, S::LIKE);
        let total: i64 = sqlx::query_scalar_with(&page.count_sql, page.count_args.bind::<S::Db>()?)
            .fetch_one(self.pool())
            .await?;
        let found: Vec<RoomRow> = sqlx::query_as_with(&page.page_sql, page.page_args.bind()?)
            .fetch_all(self.pool())
            .await?;
        Ok((rows::all(found)?, total))
    }

    async fn rooms_of_user(&self, user: Uuid) -> StoreResult<Vec<RoomAccess>> {
        let found: Vec<AccessRow> = sqlx::query_as(sql::ROOMS_OF_USER)
            .bind(user)
            .fetch_all(self.pool())
            .await?;
        rows::all(found)
    }

    async fn rooms_by_ids(&self, ids: &[Uuid], viewer: Uuid) -> StoreResult<Vec<Room>> {
        let found: Vec<RoomRow> = sqlx::query_as(S::ROOMS_BY_IDS)
            .bind(viewer)
            .bind(S::ids(ids))
            .fetch_all(self.pool())
            .await?;
        rows::all(found)
    }

    async fn waiting_rooms(&self, limit: i64) -> StoreResult<Vec<WaitingRow>> {
        Ok(sqlx::query_as(S::WAITING_ROOMS)
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    async fn unread_counts(&self, user: Uuid, rooms: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>> {
        self.unread(user, rooms).await
    }
}
