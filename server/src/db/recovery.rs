//! Connection state recovery, the storage both dialects share: the room event log (one row per
//! room event, written by the change's own transaction through [`log_event`] or the group
//! commit) and the recoverable sessions, with [`RecoveryStore`] written once over both
//! backends (`impl<S: Backend> RecoveryStore for S`).
//!
//! Positions are per room: each room's `event_seq` moves under the room row's write lock in the
//! change's transaction, so they are dense and in commit order on every instance, which a
//! global sequence (a bigserial commits out of order) would not be.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};

use super::StoreResult;
use super::backend::Backend;
use super::rows::Instant;

/// Takes room `$1`'s next event position (and its row's write lock until commit).
pub(crate) const NEXT_SEQ: &str =
    "UPDATE chat_rooms SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq";

pub(crate) const INSERT_EVENT: &str = "INSERT INTO room_events
    (room_id, seq, kind, message_id, actor_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) const EVENTS_AFTER: &str = "SELECT room_id, seq, kind, message_id, actor_id, created_at
    FROM room_events WHERE room_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";

pub(crate) const SAVE_SESSION: &str = "INSERT INTO recovery_sessions
    (pid_hash, user_id, rooms, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (pid_hash) DO UPDATE SET rooms = excluded.rooms, expires_at = excluded.expires_at";

pub(crate) const SESSION: &str = "SELECT user_id, rooms, created_at, expires_at
    FROM recovery_sessions WHERE pid_hash = $1 AND expires_at > $2";

pub(crate) const TOUCH_SESSION: &str =
    "UPDATE recovery_sessions SET expires_at = $2 WHERE pid_hash = $1";

pub(crate) const PRUNE_EVENTS: &str = "DELETE FROM room_events WHERE created_at < $1";

pub(crate) const PRUNE_SESSIONS: &str = "DELETE FROM recovery_sessions WHERE expires_at <= $1";

/// One room event as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    pub room_id: Uuid,
    pub seq: i64,
    /// The event's wire name (`new_message`, …).
    pub kind: String,
    pub message_id: Option<Uuid>,
    /// Who did it (the reader, the deleter, the reactor).
    pub actor_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// A recoverable session, found by the SHA-256 of its private id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoverySession {
    pub pid_hash: String,
    pub user_id: Uuid,
    /// The rooms it had joined, each with its log position when joined.
    pub rooms: Vec<(Uuid, i64)>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl RecoverySession {
    /// The rooms as stored: `[["<room hex>", seq], …]`.
    pub(crate) fn rooms_text(&self) -> String {
        let rooms: Vec<(String, i64)> = self
            .rooms
            .iter()
            .map(|(r, s)| (r.simple().to_string(), *s))
            .collect();
        serde_json::to_string(&rooms).unwrap_or_else(|_| "[]".into())
    }

    /// Reads the stored rooms; a damaged list reads as none (the session then resumes nothing).
    pub(crate) fn rooms_of(text: &str) -> Vec<(Uuid, i64)> {
        let rooms: Vec<(String, i64)> = serde_json::from_str(text).unwrap_or_default();
        rooms
            .into_iter()
            .filter_map(|(r, s)| Some((Uuid::parse_str(&r).ok()?, s)))
            .collect()
    }
}

/// The room event log and recoverable sessions.
#[async_trait]
pub trait RecoveryStore: Send + Sync {
    /// Each room's newest log position (unknown rooms omitted).
    async fn room_positions(&self, rooms: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>>;

    /// Room `room`'s events after position `after`, oldest first, at most `limit`.
    async fn room_events_after(
        &self,
        room: Uuid,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<LoggedEvent>>;

    /// Stores a session, or replaces its rooms and expiry.
    async fn save_session(&self, session: &RecoverySession) -> StoreResult<()>;

    /// The session with this hash, unless it expired by `now`.
    async fn recovery_session(
        &self,
        pid_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<RecoverySession>>;

    /// Moves these sessions' expiry to `expires_at` (live connections keep theirs alive).
    async fn touch_sessions(&self, hashes: &[String], expires_at: DateTime<Utc>)
    -> StoreResult<()>;

    /// Deletes log rows older than `events_before` and sessions expired by `now`; returns how
    /// many of each.
    async fn prune_recovery(
        &self,
        events_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<(u64, u64)>;
}

/// `SELECT id, event_seq FROM chat_rooms WHERE id IN ($1, …, $n)`.
pub(crate) fn positions_query(n: usize) -> String {
    let marks: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    format!(
        "SELECT id, event_seq FROM chat_rooms WHERE id IN ({})",
        marks.join(", ")
    )
}

/// Appends a room event to the log inside the caller's transaction and returns its position:
/// the room row's counter moves under that row's write lock, so positions within a room are
/// dense and in commit order on every instance.
pub(crate) async fn log_event<D: Database>(
    tx: &mut D::Connection,
    room: Uuid,
    kind: &str,
    message: Option<Uuid>,
    actor: Option<Uuid>,
    at: DateTime<Utc>,
) -> StoreResult<i64>
where
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
    for<'q> Uuid: Type<D> + Encode<'q, D>,
    for<'q> Option<Uuid>: Type<D> + Encode<'q, D>,
    for<'q> &'q str: Type<D> + Encode<'q, D>,
    for<'q> i64: Type<D> + Encode<'q, D>,
    for<'q> Instant: Type<D> + Encode<'q, D>,
    for<'r> (i64,): FromRow<'r, D::Row>,
{
    let (seq,): (i64,) = sqlx::query_as(NEXT_SEQ)
        .bind(room)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(INSERT_EVENT)
        .bind(room)
        .bind(seq)
        .bind(kind)
        .bind(message)
        .bind(actor)
        .bind(Instant(at))
        .execute(&mut *tx)
        .await?;
    Ok(seq)
}

/// A logged event as read: room, position, kind, message, actor, instant.
type EventRow = (Uuid, i64, String, Option<Uuid>, Option<Uuid>, Instant);

/// A session as read: user, rooms, created, expires.
type SessionRow = (Uuid, String, Instant, Instant);

#[async_trait]
impl<S: Backend> RecoveryStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> String: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (Uuid, i64): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> EventRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> SessionRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn room_positions(&self, rooms: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>> {
        let mut out = HashMap::with_capacity(rooms.len());
        for chunk in rooms.chunks(500) {
            let text = positions_query(chunk.len());
            let mut query = sqlx::query_as::<_, (Uuid, i64)>(&text);
            for room in chunk {
                query = query.bind(*room);
            }
            out.extend(query.fetch_all(self.pool()).await?);
        }
        Ok(out)
    }

    async fn room_events_after(
        &self,
        room: Uuid,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<LoggedEvent>> {
        let rows: Vec<EventRow> = sqlx::query_as(EVENTS_AFTER)
            .bind(room)
            .bind(after)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(room_id, seq, kind, message_id, actor_id, at)| LoggedEvent {
                    room_id,
                    seq,
                    kind,
                    message_id,
                    actor_id,
                    created_at: at.0,
                },
            )
            .collect())
    }

    async fn save_session(&self, s: &RecoverySession) -> StoreResult<()> {
        sqlx::query(SAVE_SESSION)
            .bind(s.pid_hash.as_str())
            .bind(s.user_id)
            .bind(s.rooms_text())
            .bind(Instant(s.created_at))
            .bind(Instant(s.expires_at))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn recovery_session(
        &self,
        pid_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<RecoverySession>> {
        let row: Option<SessionRow> = sqlx::query_as(SESSION)
            .bind(pid_hash)
            .bind(Instant(now))
            .fetch_optional(self.pool())
            .await?;
        Ok(
            row.map(|(user_id, rooms, created, expires)| RecoverySession {
                pid_hash: pid_hash.to_string(),
                user_id,
                rooms: RecoverySession::rooms_of(&rooms),
                created_at: created.0,
                expires_at: expires.0,
            }),
        )
    }

    async fn touch_sessions(
        &self,
        hashes: &[String],
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        for hash in hashes {
            sqlx::query(TOUCH_SESSION)
                .bind(hash.as_str())
                .bind(Instant(expires_at))
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    async fn prune_recovery(
        &self,
        events_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<(u64, u64)> {
        let events = sqlx::query(PRUNE_EVENTS)
            .bind(Instant(events_before))
            .execute(self.pool())
            .await
            .map(|done| S::rows_affected(&done))?;
        let sessions = sqlx::query(PRUNE_SESSIONS)
            .bind(Instant(now))
            .execute(self.pool())
            .await
            .map(|done| S::rows_affected(&done))?;
        Ok((events, sessions))
    }
}
