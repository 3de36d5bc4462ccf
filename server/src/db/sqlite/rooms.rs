//! [`RoomStore`] on SQLite: the pair index is on `min`/`max` of the participants, the Admin
//! role test reads the JSON roles, id lists go in as JSON, and unread counts go one room at a
//! time.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::Sqlite;
use tigo_common::Room;
use uuid::Uuid;

use super::{SqliteStore, hex_ids};
use crate::db::dialect::Dialect;
use crate::db::rows::{self, RoomRow};
use crate::db::sql;
use crate::db::{NewRoom, RoomAccess, RoomQuery, RoomStore, StoreResult, WaitingRow};

/// Below every stored instant and id: the read mark of a reader who has read nothing.
macro_rules! select_rooms {
    () => {
        sql::room_select!(
            "-9223372036854775807",
            "x'00000000000000000000000000000000'"
        )
    };
}

pub(super) const ROOM_SELECT: &str = select_rooms!();

pub(super) const ROOM_OF_PAIR: &str = concat!(
    select_rooms!(),
    " WHERE r.type = $2
       AND min(r.participant1_id, r.participant2_id) = min($3, $4)
       AND max(r.participant1_id, r.participant2_id) = max($3, $4)
       AND ($5 IS NULL OR r.hotel_id = $5)
     ORDER BY r.hotel_id IS NOT NULL, r.created_at, r.id LIMIT 1"
);

pub(super) const WAITING_ROOMS: &str =
    sql::waiting_rooms!("NOT EXISTS (SELECT 1 FROM json_each(ls.roles) WHERE value = 'Admin')");

#[async_trait]
impl RoomStore for SqliteStore {
    async fn create_room(&self, room: &NewRoom, viewer: Uuid) -> StoreResult<(Room, bool)> {
        Sqlite::create_room(&self.pool, room, viewer).await
    }

    async fn room(&self, id: Uuid, viewer: Uuid) -> StoreResult<Option<Room>> {
        Sqlite::room(&self.pool, id, viewer).await
    }

    async fn room_access(&self, id: Uuid) -> StoreResult<Option<RoomAccess>> {
        Sqlite::room_access(&self.pool, id).await
    }

    async fn list_rooms(&self, q: &RoomQuery) -> StoreResult<(Vec<Room>, i64)> {
        Sqlite::list_rooms(&self.pool, q).await
    }

    async fn rooms_of_user(&self, user: Uuid) -> StoreResult<Vec<RoomAccess>> {
        Sqlite::rooms_of_user(&self.pool, user).await
    }

    async fn rooms_by_ids(&self, ids: &[Uuid], viewer: Uuid) -> StoreResult<Vec<Room>> {
        let found: Vec<RoomRow> = sqlx::query_as(concat!(
            select_rooms!(),
            " WHERE r.id IN (SELECT unhex(value) FROM json_each($2))"
        ))
        .bind(viewer)
        .bind(hex_ids(ids))
        .fetch_all(&self.pool)
        .await?;
        rows::all(found)
    }

    async fn waiting_rooms(&self, limit: i64) -> StoreResult<Vec<WaitingRow>> {
        Sqlite::waiting_rooms(&self.pool, limit).await
    }

    async fn unread_counts(&self, user: Uuid, rooms: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>> {
        let mut out = HashMap::new();
        for room in rooms {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM chat_messages m
                 LEFT JOIN chat_room_reads rr ON rr.chat_room_id = $1 AND rr.user_id = $2
                 WHERE m.chat_room_id = $1 AND m.sender_id <> $2
                   AND (m.created_at, m.id) > (coalesce(rr.read_upto_at, -9223372036854775807),
                                               coalesce(rr.read_upto_id, x'00000000000000000000000000000000'))",
            )
            .bind(room)
            .bind(user)
            .fetch_one(&self.pool)
            .await?;
            if n > 0 {
                out.insert(*room, n);
            }
        }
        Ok(out)
    }
}
