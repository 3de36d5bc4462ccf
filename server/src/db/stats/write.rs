//! The multi-row statements of a statistics step (new threads, rooms' states, senders per
//! bucket), built once for both dialects, a bounded number of rows per statement.

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use uuid::Uuid;

use super::{RoomState, Span, Thread};
use crate::db::StoreResult;
use crate::db::backend::Backend;
use crate::db::rows::Instant;

/// `VALUES` for `rows` rows of `columns` numbered placeholders: `($1, $2), ($3, $4)`.
fn values(rows: usize, columns: usize) -> String {
    let row = |r: usize| {
        let cells: Vec<String> = (1..=columns)
            .map(|c| format!("${}", r * columns + c))
            .collect();
        format!("({})", cells.join(", "))
    };
    let all: Vec<String> = (0..rows).map(row).collect();
    format!("VALUES {}", all.join(", "))
}

const SENDERS_COUNTED: &str = "UPDATE stats_buckets SET active_senders = active_senders + $3
    WHERE span = $1 AND start = $2";

/// New threads, in one statement per 200 (a statement's parameters are bounded).
pub(super) async fn insert_threads<S: Backend>(
    tx: &mut sqlx::Transaction<'static, S::Db>,
    threads: &[Thread],
) -> StoreResult<()>
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Uuid>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<i64>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Instant>: Type<S::Db> + Encode<'q, S::Db>,
{
    for chunk in threads.chunks(200) {
        let sql = format!(
            "INSERT INTO stats_threads (id, room_id, hotel_id, kind, started_at, responded_at,
                response_us, closed_at) {}",
            values(chunk.len(), 8)
        );
        let mut insert = sqlx::query(&sql);
        for t in chunk {
            let micros = t
                .responded_at
                .map(|at| (at - t.started_at).num_microseconds().unwrap_or(i64::MAX));
            insert = insert
                .bind(t.id)
                .bind(t.room)
                .bind(t.hotel)
                .bind(t.kind.as_str())
                .bind(Instant(t.started_at))
                .bind(t.responded_at.map(Instant))
                .bind(micros)
                .bind(t.closed_at.map(Instant));
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Rooms' states, upserted in one statement per 200.
pub(super) async fn put_rooms<S: Backend>(
    tx: &mut sqlx::Transaction<'static, S::Db>,
    rooms: &[(Uuid, RoomState)],
) -> StoreResult<()>
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Uuid>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Instant>: Type<S::Db> + Encode<'q, S::Db>,
{
    for chunk in rooms.chunks(200) {
        let sql = format!(
            "INSERT INTO stats_rooms (room_id, last_at, last_side, open_thread, open_at) {}
            ON CONFLICT (room_id) DO UPDATE SET last_at = excluded.last_at,
                last_side = excluded.last_side, open_thread = excluded.open_thread,
                open_at = excluded.open_at",
            values(chunk.len(), 5)
        );
        let mut upsert = sqlx::query(&sql);
        for (room, state) in chunk {
            upsert = upsert
                .bind(*room)
                .bind(Instant(state.last_at))
                .bind(state.last_part.as_str())
                .bind(state.open.map(|(id, _)| id))
                .bind(state.open.map(|(_, at)| Instant(at)));
        }
        upsert.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Records who sent in which bucket; a sender new to a bucket adds one to its active senders.
pub(super) async fn count_senders<S: Backend>(
    tx: &mut sqlx::Transaction<'static, S::Db>,
    senders: &[(Span, DateTime<Utc>, Uuid)],
) -> StoreResult<()>
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (String, Instant): FromRow<'r, <S::Db as Database>::Row>,
{
    let mut new: Vec<(String, Instant)> = Vec::new();
    for chunk in senders.chunks(300) {
        let sql = format!(
            "INSERT INTO stats_senders (span, start, user_id) {}
            ON CONFLICT DO NOTHING RETURNING span, start",
            values(chunk.len(), 3)
        );
        let mut insert = sqlx::query_as(&sql);
        for (span, start, user) in chunk {
            insert = insert.bind(span.as_str()).bind(Instant(*start)).bind(*user);
        }
        new.extend(insert.fetch_all(&mut **tx).await?);
    }
    let mut counts: Vec<((String, i64), i64)> = Vec::new();
    for (span, start) in new {
        let key = (span, start.0.timestamp_micros());
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    for ((span, micros), n) in counts {
        let start = DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or_default();
        let query = sqlx::query(SENDERS_COUNTED).bind(span.as_str());
        query
            .bind(Instant(start))
            .bind(n)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
