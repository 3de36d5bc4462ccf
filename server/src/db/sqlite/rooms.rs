//! [`RoomStore`](crate::db::RoomStore)'s part ([`RoomSql`]) on SQLite: the pair index is on
//! `min`/`max` of the participants, the Admin role test reads the JSON roles, id lists go in as
//! JSON, and unread counts go one room at a time.

use std::collections::HashMap;

use uuid::Uuid;

use super::{SqliteStore, hex_ids};
use crate::db::rooms::RoomSql;
use crate::db::{StoreResult, sql};

/// Below every stored instant and id: the read mark of a reader who has read nothing.
macro_rules! select_rooms {
    () => {
        sql::room_select!(
            "-9223372036854775807",
            "x'00000000000000000000000000000000'",
            concat!(
                "(SELECT json_group_array(json_object('user_id', hex(m.user_id),
                    'first_name', mu.first_name, 'last_name', mu.last_name, 'role', m.role,
                    'roles', json(mu.roles), 'joined_at', m.joined_at)
                  ORDER BY ",
                sql::member_order!(),
                ")
                FROM room_members m JOIN users mu ON mu.id = m.user_id WHERE m.room_id = r.id)"
            )
        )
    };
}

impl RoomSql for SqliteStore {
    /// Hex strings in one JSON array.
    type Ids = String;

    const ROOM_SELECT: &'static str = select_rooms!();
    const ROOM_OF_PAIR: &'static str = concat!(
        select_rooms!(),
        " WHERE r.type = $2
       AND min(r.participant1_id, r.participant2_id) = min($3, $4)
       AND max(r.participant1_id, r.participant2_id) = max($3, $4)
       AND ($5 IS NULL OR r.hotel_id = $5)
     ORDER BY r.hotel_id IS NOT NULL, r.created_at, r.id LIMIT 1"
    );
    const ROOMS_BY_IDS: &'static str = concat!(
        select_rooms!(),
        " WHERE r.id IN (SELECT unhex(value) FROM json_each($2))"
    );
    // SQLite's LIKE ignores ASCII case already.
    const LIKE: &'static str = "LIKE {p} ESCAPE '\\'";
    const WAITING_ROOMS: &'static str =
        sql::waiting_rooms!("NOT EXISTS (SELECT 1 FROM json_each(ls.roles) WHERE value = 'Admin')");

    fn ids(ids: &[Uuid]) -> String {
        hex_ids(ids)
    }

    async fn unread(&self, user: Uuid, rooms: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>> {
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
