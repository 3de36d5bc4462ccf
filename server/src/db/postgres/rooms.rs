//! [`RoomStore`] on PostgreSQL: the pair index is on `LEAST`/`GREATEST` of the participants,
//! the Admin role test reads the `text[]` roles, and id lists are bound as arrays.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::Postgres;
use tigo_common::Room;
use uuid::Uuid;

use super::PgStore;
use crate::db::dialect::Dialect;
use crate::db::rows::{self, RoomRow};
use crate::db::sql;
use crate::db::{NewRoom, RoomAccess, RoomQuery, RoomStore, StoreResult, WaitingRow};

/// Below every stored instant and id: the read mark of a reader who has read nothing.
macro_rules! select_rooms {
    () => {
        sql::room_select!(
            "'-infinity'::timestamptz",
            "'00000000-0000-0000-0000-000000000000'::uuid"
        )
    };
}

pub(super) const ROOM_SELECT: &str = select_rooms!();

pub(super) const ROOM_OF_PAIR: &str = concat!(
    select_rooms!(),
    " WHERE r.type = $2
       AND LEAST(r.participant1_id, r.participant2_id) = LEAST($3::uuid, $4::uuid)
       AND GREATEST(r.participant1_id, r.participant2_id) = GREATEST($3::uuid, $4::uuid)
       AND ($5::uuid IS NULL OR r.hotel_id = $5::uuid)
     ORDER BY r.hotel_id IS NOT NULL, r.created_at, r.id LIMIT 1"
);

pub(super) const WAITING_ROOMS: &str = sql::waiting_rooms!("NOT ('Admin' = ANY(ls.roles))");

#[async_trait]
impl RoomStore for PgStore {
    async fn create_room(&self, room: &NewRoom, viewer: Uuid) -> StoreResult<(Room, bool)> {
        Postgres::create_room(&self.pool, room, viewer).await
    }

    async fn room(&self, id: Uuid, viewer: Uuid) -> StoreResult<Option<Room>> {
        Postgres::room(&self.pool, id, viewer).await
    }

    async fn room_access(&self, id: Uuid) -> StoreResult<Option<RoomAccess>> {
        Postgres::room_access(&self.pool, id).await
    }

    async fn list_rooms(&self, q: &RoomQuery) -> StoreResult<(Vec<Room>, i64)> {
        Postgres::list_rooms(&self.pool, q).await
    }

    async fn rooms_of_user(&self, user: Uuid) -> StoreResult<Vec<RoomAccess>> {
        Postgres::rooms_of_user(&self.pool, user).await
    }

    async fn rooms_by_ids(&self, ids: &[Uuid], viewer: Uuid) -> StoreResult<Vec<Room>> {
        let found: Vec<RoomRow> = sqlx::query_as(concat!(select_rooms!(), " WHERE r.id = ANY($2)"))
            .bind(viewer)
            .bind(ids)
            .fetch_all(&self.pool)
            .await?;
        rows::all(found)
    }

    async fn waiting_rooms(&self, limit: i64) -> StoreResult<Vec<WaitingRow>> {
        Postgres::waiting_rooms(&self.pool, limit).await
    }

    async fn unread_counts(&self, user: Uuid, rooms: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>> {
        let rows: Vec<(Uuid, i64)> = sqlx::query_as(
            "SELECT r.id, count(m.id) FROM UNNEST($2::uuid[]) AS r(id)
             LEFT JOIN chat_room_reads rr ON rr.chat_room_id = r.id AND rr.user_id = $1
             JOIN chat_messages m ON m.chat_room_id = r.id AND m.sender_id <> $1
               AND (m.created_at, m.id) > (COALESCE(rr.read_upto_at, '-infinity'::timestamptz),
                                           COALESCE(rr.read_upto_id, '00000000-0000-0000-0000-000000000000'::uuid))
             GROUP BY r.id",
        )
        .bind(user)
        .bind(rooms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }
}
