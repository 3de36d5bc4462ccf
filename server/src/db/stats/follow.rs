//! [`StatsStore`]'s follower half, written once for both dialects: a batch of messages past the
//! position, each placed in its room's threads by its sender's side (the same mapping the room
//! object's `members[].side` shows), and a step's outcome applied with the move of the position
//! in one transaction, only if no other instance moved it first. The figures' reads are
//! `read`'s.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use tigo_common::{MemberRole, RoomType, Side};
use uuid::Uuid;

use super::write::{count_senders, insert_threads, put_rooms};
use super::{Part, RoomState, StatsBatch, StatsMessage, StatsStep, StatsStore, ThreadKind};
use crate::db::backend::{Backend, FollowerDialect, follower_step};
use crate::db::members::participant_sides;
use crate::db::rows::{Instant, Roles};
use crate::db::{StoreError, StoreResult};

/// Each message with what places it: its room's type, hotel and participants (with their
/// platform roles, from which a participant's side follows) and the sender's member role.
macro_rules! placed_messages {
    ($where:literal) => {
        concat!(
            "SELECT m.seq, m.id, m.chat_room_id, m.sender_id, m.created_at, r.type AS room_type,
                r.hotel_id, r.participant1_id, r.participant2_id, u1.roles AS roles1,
                u2.roles AS roles2, rm.role AS member_role
            FROM chat_messages m
            JOIN chat_rooms r ON r.id = m.chat_room_id
            JOIN users u1 ON u1.id = r.participant1_id
            JOIN users u2 ON u2.id = r.participant2_id
            LEFT JOIN room_members rm ON rm.room_id = m.chat_room_id AND rm.user_id = m.sender_id
            WHERE ",
            $where,
            " ORDER BY m.seq"
        )
    };
}

const BATCH: &str = placed_messages!("m.seq > $1 AND m.seq <= $2");

const ROOM_MESSAGES: &str = placed_messages!("m.chat_room_id = $1 AND m.seq <= $2");

const ROOM_STATES: &str = "SELECT room_id, last_at, last_side, open_thread, open_at
    FROM stats_rooms WHERE room_id IN
        (SELECT chat_room_id FROM chat_messages WHERE seq > $1 AND seq <= $2)";

const POSITION: &str = "SELECT position FROM followers WHERE name = 'stats'";

const LAG: &str = "SELECT COALESCE((SELECT max(seq) FROM chat_messages), 0) - position
    FROM followers WHERE name = 'stats'";

const DIRTY: &str = "SELECT room_id, version FROM stats_dirty ORDER BY room_id LIMIT $1";

/// Moves the position only from where the step began: 0 rows, another instance was first.
const MOVE: &str = "UPDATE followers SET position = $2 WHERE name = 'stats' AND position = $1";

const ANSWERED: &str = "UPDATE stats_threads SET responded_at = $2, response_us = $3 WHERE id = $1";

const CLOSED: &str = "UPDATE stats_threads SET closed_at = $2 WHERE id = $1";

const BUCKET: &str = "INSERT INTO stats_buckets (span, start, messages, active_senders)
        VALUES ($1, $2, $3, 0)
    ON CONFLICT (span, start) DO UPDATE SET messages = stats_buckets.messages + excluded.messages";

/// Marks a hotel's figures due (the service recomputes them from its threads).
const TOUCH_HOTEL: &str =
    "INSERT INTO stats_hotels (hotel_id, threads, within, valid_until, version)
        VALUES ($1, 0, 0, $2, 1)
    ON CONFLICT (hotel_id) DO UPDATE SET version = stats_hotels.version + 1,
        valid_until = excluded.valid_until";

/// A recomputed room's hotel (from its threads before they go) is due again.
const TOUCH_ROOM_HOTEL: &str = "UPDATE stats_hotels SET version = version + 1, valid_until = $2
    WHERE hotel_id IN (SELECT hotel_id FROM stats_threads WHERE room_id = $1)";

const FORGET_ROOM: [&str; 2] = [
    "DELETE FROM stats_threads WHERE room_id = $1",
    "DELETE FROM stats_rooms WHERE room_id = $1",
];

const CLEAN: &str = "DELETE FROM stats_dirty WHERE room_id = $1 AND version = $2";

const RESET: [&str; 7] = [
    "DELETE FROM stats_hotels",
    "DELETE FROM stats_threads",
    "DELETE FROM stats_rooms",
    "DELETE FROM stats_buckets",
    "DELETE FROM stats_senders",
    "DELETE FROM stats_dirty",
    "UPDATE followers SET position = 0 WHERE name = 'stats'",
];

#[derive(FromRow)]
pub(crate) struct PlacedRow {
    seq: i64,
    id: Uuid,
    chat_room_id: Uuid,
    sender_id: Uuid,
    created_at: Instant,
    room_type: String,
    hotel_id: Option<Uuid>,
    participant1_id: Uuid,
    participant2_id: Uuid,
    roles1: Roles,
    roles2: Roles,
    member_role: Option<String>,
}

#[derive(FromRow)]
pub(crate) struct RoomStateRow {
    room_id: Uuid,
    last_at: Instant,
    last_side: String,
    open_thread: Option<Uuid>,
    open_at: Option<Instant>,
}

impl PlacedRow {
    /// The message, placed: its room's kind of threads and the sender's part in them.
    fn placed(self) -> StoreResult<StatsMessage> {
        let room_type = RoomType::parse(&self.room_type)
            .ok_or_else(|| StoreError::Corrupt(format!("room type {:?}", self.room_type)))?;
        let side =
            if self.sender_id == self.participant1_id || self.sender_id == self.participant2_id {
                let sides = participant_sides(room_type, &self.roles1.0, &self.roles2.0);
                Some(sides[usize::from(self.sender_id != self.participant1_id)])
            } else {
                match self.member_role.as_deref().and_then(MemberRole::parse) {
                    Some(MemberRole::Staff) => Some(Side::Hotel),
                    Some(MemberRole::Companion) => Some(Side::Customer),
                    Some(MemberRole::Agent) => Some(Side::Support),
                    Some(MemberRole::Participant) | None => None,
                }
            };
        let kind = match room_type {
            RoomType::CustomerHotelOwner => ThreadKind::Hotel,
            RoomType::CustomerAdmin | RoomType::HotelOwnerAdmin => ThreadKind::Support,
        };
        let part = side.and_then(|side| match (kind, side) {
            (ThreadKind::Hotel, Side::Customer) => Some(Part::Writer),
            (ThreadKind::Hotel, Side::Hotel) => Some(Part::Answer),
            (ThreadKind::Hotel, Side::Support) => None,
            (ThreadKind::Support, Side::Support) => Some(Part::Answer),
            (ThreadKind::Support, Side::Customer | Side::Hotel) => Some(Part::Writer),
        });
        Ok(StatsMessage {
            seq: self.seq,
            id: self.id,
            room: self.chat_room_id,
            sender: self.sender_id,
            at: self.created_at.0,
            hotel: self.hotel_id.filter(|_| kind == ThreadKind::Hotel),
            kind,
            part,
        })
    }
}

impl RoomStateRow {
    fn state(self) -> StoreResult<(Uuid, RoomState)> {
        let last_part = Part::parse(&self.last_side)
            .ok_or_else(|| StoreError::Corrupt(format!("stats side {:?}", self.last_side)))?;
        let open = match (self.open_thread, self.open_at) {
            (Some(id), Some(at)) => Some((id, at.0)),
            _ => None,
        };
        Ok((
            self.room_id,
            RoomState {
                last_at: self.last_at.0,
                last_part,
                open,
            },
        ))
    }
}

#[async_trait]
impl<S: Backend + FollowerDialect> StatsStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Uuid>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<i64>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Instant>: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (i64,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (i64, i64): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (Uuid, i64): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (String, Instant): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> PlacedRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> RoomStateRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn stats_batch(&self, limit: i64) -> StoreResult<Option<StatsBatch>> {
        let Some((position, upto, more)) = follower_step(self, "stats", limit).await? else {
            return Ok(None);
        };
        let pool = self.pool();
        let rows: Vec<PlacedRow> = sqlx::query_as(BATCH)
            .bind(position)
            .bind(upto)
            .fetch_all(pool)
            .await?;
        let states: Vec<RoomStateRow> = sqlx::query_as(ROOM_STATES)
            .bind(position)
            .bind(upto)
            .fetch_all(pool)
            .await?;
        Ok(Some(StatsBatch {
            position,
            upto,
            more,
            messages: rows
                .into_iter()
                .map(PlacedRow::placed)
                .collect::<Result<_, _>>()?,
            rooms: states
                .into_iter()
                .map(RoomStateRow::state)
                .collect::<Result<_, _>>()?,
        }))
    }

    async fn stats_position(&self) -> StoreResult<i64> {
        let (position,): (i64,) = sqlx::query_as(POSITION).fetch_one(self.pool()).await?;
        Ok(position)
    }

    async fn stats_lag(&self) -> StoreResult<i64> {
        let (lag,): (i64,) = sqlx::query_as(LAG).fetch_one(self.pool()).await?;
        Ok(lag.max(0))
    }

    async fn stats_dirty(&self, limit: i64) -> StoreResult<Vec<(Uuid, i64)>> {
        Ok(sqlx::query_as(DIRTY)
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    async fn stats_room_messages(&self, room: Uuid, upto: i64) -> StoreResult<Vec<StatsMessage>> {
        let rows: Vec<PlacedRow> = sqlx::query_as(ROOM_MESSAGES)
            .bind(room)
            .bind(upto)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(PlacedRow::placed).collect()
    }

    async fn stats_apply(&self, step: &StatsStep) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(MOVE)
            .bind(step.from)
            .bind(step.to)
            .execute(&mut *tx)
            .await?;
        if S::rows_affected(&moved) == 0 {
            return Ok(false);
        }
        insert_threads::<S>(&mut tx, &step.started).await?;
        for (id, at, micros) in &step.answered {
            let query = sqlx::query(ANSWERED).bind(*id).bind(Instant(*at));
            query.bind(*micros).execute(&mut *tx).await?;
        }
        for (id, at) in &step.closed {
            let query = sqlx::query(CLOSED).bind(*id).bind(Instant(*at));
            query.execute(&mut *tx).await?;
        }
        put_rooms::<S>(&mut tx, &step.rooms).await?;
        for (span, start, messages) in &step.buckets {
            let query = sqlx::query(BUCKET)
                .bind(span.as_str())
                .bind(Instant(*start));
            query.bind(*messages).execute(&mut *tx).await?;
        }
        count_senders::<S>(&mut tx, &step.senders).await?;
        let due = Instant(DateTime::<Utc>::UNIX_EPOCH);
        for hotel in &step.hotels {
            let touch = sqlx::query(TOUCH_HOTEL).bind(*hotel).bind(due);
            touch.execute(&mut *tx).await?;
        }
        for room in &step.recomputed {
            let touch = sqlx::query(TOUCH_ROOM_HOTEL).bind(room.room).bind(due);
            touch.execute(&mut *tx).await?;
            for forget in FORGET_ROOM {
                sqlx::query(forget)
                    .bind(room.room)
                    .execute(&mut *tx)
                    .await?;
            }
            insert_threads::<S>(&mut tx, &room.threads).await?;
            if let Some(state) = room.state {
                put_rooms::<S>(&mut tx, &[(room.room, state)]).await?;
            }
            let clean = sqlx::query(CLEAN).bind(room.room).bind(room.version);
            clean.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn stats_reset(&self) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for statement in RESET {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
