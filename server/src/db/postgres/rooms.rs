//! [`RoomStore`](crate::db::RoomStore)'s part ([`RoomSql`]) on PostgreSQL: the pair index is on
//! `LEAST`/`GREATEST` of the participants, the Admin role test reads the `text[]` roles, id
//! lists are bound as arrays, and unread counts come in one statement.

use std::collections::HashMap;

use uuid::Uuid;

use super::PgStore;
use crate::db::rooms::RoomSql;
use crate::db::{StoreResult, sql};

/// Below every stored instant and id: the read mark of a reader who has read nothing.
macro_rules! select_rooms {
    () => {
        sql::room_select!(
            "'-infinity'::timestamptz",
            "'00000000-0000-0000-0000-000000000000'::uuid",
            concat!(
                "(SELECT COALESCE(json_agg(json_build_object('user_id', m.user_id,
                    'first_name', mu.first_name, 'last_name', mu.last_name, 'role', m.role,
                    'roles', mu.roles,
                    'joined_at', (extract(epoch FROM m.joined_at) * 1000000)::bigint)
                  ORDER BY ",
                sql::member_order!(),
                "), '[]')::text
                FROM room_members m JOIN users mu ON mu.id = m.user_id WHERE m.room_id = r.id)"
            )
        )
    };
}

impl RoomSql for PgStore {
    type Ids = Vec<Uuid>;

    const ROOM_SELECT: &'static str = select_rooms!();
    const ROOM_OF_PAIR: &'static str = concat!(
        select_rooms!(),
        " WHERE r.type = $2
       AND LEAST(r.participant1_id, r.participant2_id) = LEAST($3::uuid, $4::uuid)
       AND GREATEST(r.participant1_id, r.participant2_id) = GREATEST($3::uuid, $4::uuid)
       AND ($5::uuid IS NULL OR r.hotel_id = $5::uuid)
     ORDER BY r.hotel_id IS NOT NULL, r.created_at, r.id LIMIT 1"
    );
    const ROOMS_BY_IDS: &'static str = concat!(select_rooms!(), " WHERE r.id = ANY($2)");
    const LIKE: &'static str = "ILIKE {p}";
    const WAITING_ROOMS: &'static str = sql::waiting_rooms!("NOT ('Admin' = ANY(ls.roles))");

    fn ids(ids: &[Uuid]) -> Vec<Uuid> {
        ids.to_vec()
    }

    async fn unread(&self, user: Uuid, rooms: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>> {
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
