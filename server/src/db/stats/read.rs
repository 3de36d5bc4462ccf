//! [`StatsReadStore`], written once for both dialects: the reads behind the figures, each an
//! index range (one hotel's threads, a period's buckets, rooms or support threads), never a
//! pass over the messages.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use uuid::Uuid;

use super::{BucketCounts, HotelFigures, Span, StatsReadStore, ThreadTimes};
use crate::db::StoreResult;
use crate::db::backend::Backend;
use crate::db::rows::Instant;

const HOTEL_THREADS: &str = "SELECT started_at, responded_at, closed_at FROM stats_threads
    WHERE kind = 'hotel' AND hotel_id = $1 AND started_at > $2 ORDER BY started_at DESC";

const HOTEL_RATES: &str = "SELECT threads, within FROM stats_hotels WHERE threads > 0";

const DUE_HOTELS: &str = "SELECT hotel_id, version FROM stats_hotels WHERE valid_until <= $1
    ORDER BY valid_until LIMIT $2";

const PUT_HOTEL: &str = "UPDATE stats_hotels SET threads = $3, within = $4, valid_until = $5
    WHERE hotel_id = $1 AND version = $2";

const BUCKETS: &str = "SELECT start, messages, active_senders FROM stats_buckets
    WHERE span = $1 AND start >= $2 AND start < $3 ORDER BY start";

const ROOMS_CREATED: &str =
    "SELECT created_at FROM chat_rooms WHERE created_at >= $1 AND created_at < $2";

const SUPPORT_THREADS: &str = "SELECT started_at, responded_at, closed_at FROM stats_threads
    WHERE kind = 'support' AND started_at < $2
      AND (responded_at IS NULL OR responded_at >= $1)
      AND (closed_at IS NULL OR closed_at >= $1)";

const SUPPORT_WAITING: &str = "SELECT count(*), min(started_at) FROM stats_threads
    WHERE kind = 'support' AND responded_at IS NULL AND closed_at IS NULL";

type Times = (Instant, Option<Instant>, Option<Instant>);

fn times((started_at, responded_at, closed_at): Times) -> ThreadTimes {
    ThreadTimes {
        started_at: started_at.0,
        responded_at: responded_at.map(|at| at.0),
        closed_at: closed_at.map(|at| at.0),
    }
}

#[async_trait]
impl<S: Backend> StatsReadStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (Instant,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (i64, i64): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (Uuid, i64): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (i64, Option<Instant>): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (Instant, i64, i64): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> Times: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn hotel_threads(
        &self,
        hotel: Uuid,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<ThreadTimes>> {
        let rows: Vec<Times> = sqlx::query_as(HOTEL_THREADS)
            .bind(hotel)
            .bind(Instant(since))
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(times).collect())
    }

    async fn hotel_rates(&self) -> StoreResult<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(HOTEL_RATES).fetch_all(self.pool()).await?)
    }

    async fn due_hotels(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<(Uuid, i64)>> {
        Ok(sqlx::query_as(DUE_HOTELS)
            .bind(Instant(now))
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    async fn put_hotel_figures(
        &self,
        hotel: Uuid,
        version: i64,
        figures: HotelFigures,
    ) -> StoreResult<bool> {
        let done = sqlx::query(PUT_HOTEL)
            .bind(hotel)
            .bind(version)
            .bind(figures.threads)
            .bind(figures.within)
            .bind(Instant(figures.valid_until))
            .execute(self.pool())
            .await?;
        Ok(S::rows_affected(&done) > 0)
    }

    async fn stats_buckets(
        &self,
        span: Span,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<BucketCounts>> {
        let rows: Vec<(Instant, i64, i64)> = sqlx::query_as(BUCKETS)
            .bind(span.as_str())
            .bind(Instant(since))
            .bind(Instant(until))
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(start, messages, active_senders)| BucketCounts {
                start: start.0,
                messages,
                active_senders,
            })
            .collect())
    }

    async fn rooms_created(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<DateTime<Utc>>> {
        let rows: Vec<(Instant,)> = sqlx::query_as(ROOMS_CREATED)
            .bind(Instant(since))
            .bind(Instant(until))
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(|(at,)| at.0).collect())
    }

    async fn support_threads(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<ThreadTimes>> {
        let rows: Vec<Times> = sqlx::query_as(SUPPORT_THREADS)
            .bind(Instant(since))
            .bind(Instant(until))
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(times).collect())
    }

    async fn support_waiting(&self) -> StoreResult<(i64, Option<DateTime<Utc>>)> {
        let (n, oldest): (i64, Option<Instant>) = sqlx::query_as(SUPPORT_WAITING)
            .fetch_one(self.pool())
            .await?;
        Ok((n, oldest.map(|at| at.0)))
    }
}
