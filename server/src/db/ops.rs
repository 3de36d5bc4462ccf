//! [`OpsStore`], written once for both dialects; each dialect's part ([`OpsDialect`], in
//! `db/sqlite/ops.rs` and `db/postgres/ops.rs`) is how many writers it takes, its migrations
//! and how it closes; a purge recomputes a room's last message as the dialect's part of
//! storing messages does ([`MessageSql::REFRESH_LAST`]).

use std::future::Future;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use uuid::Uuid;

use super::backend::Backend;
use super::messages::MessageSql;
use super::query::count_per_room;
use super::rows::Instant;
use super::sql;
use super::{OpsStore, Stats, StoreResult};

/// The dialect's part of operating the database.
pub(crate) trait OpsDialect {
    /// See [`OpsStore::max_writers`].
    fn writers(&self) -> Option<usize>;

    /// Applies pending migrations; returns the versions applied now.
    fn run_migrations(&self) -> impl Future<Output = StoreResult<Vec<i64>>> + Send;

    /// The migrations applied so far (empty: no schema yet).
    fn applied_versions(&self) -> impl Future<Output = StoreResult<Vec<i64>>> + Send;

    /// Closes the pool and the group commit.
    fn shut(&self) -> impl Future<Output = ()> + Send;
}

#[async_trait]
impl<S: Backend + OpsDialect + MessageSql> OpsStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Uuid>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> Stats: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (Uuid,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (i64,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (String,): FromRow<'r, <S::Db as Database>::Row>,
{
    fn max_writers(&self) -> Option<usize> {
        self.writers()
    }

    async fn migrate(&self) -> StoreResult<Vec<i64>> {
        self.run_migrations().await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query(sql::PING).execute(self.pool()).await?;
        Ok(())
    }

    async fn applied_migrations(&self) -> StoreResult<Vec<i64>> {
        self.applied_versions().await
    }

    async fn setting_get_or_insert(&self, key: &str, value: &str) -> StoreResult<String> {
        sqlx::query(sql::SETTING_INSERT)
            .bind(key)
            .bind(value)
            .execute(self.pool())
            .await?;
        Ok(sqlx::query_scalar(sql::SETTING_GET)
            .bind(key)
            .fetch_one(self.pool())
            .await?)
    }

    async fn purge_batch(
        &self,
        before: DateTime<Utc>,
        room: Option<Uuid>,
        batch: i64,
    ) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let deleted: Vec<Uuid> = sqlx::query_scalar(sql::PURGE_BATCH)
            .bind(Instant(before))
            .bind(room)
            .bind(batch)
            .fetch_all(&mut *tx)
            .await?;
        for (room, n) in count_per_room(&deleted) {
            sqlx::query(sql::DECREMENT_COUNT)
                .bind(room)
                .bind(n)
                .execute(&mut *tx)
                .await?;
            sqlx::query(S::REFRESH_LAST)
                .bind(room)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(deleted.len() as u64)
    }

    async fn count_older(&self, before: DateTime<Utc>, room: Option<Uuid>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(sql::COUNT_OLDER)
            .bind(Instant(before))
            .bind(room)
            .fetch_one(self.pool())
            .await?)
    }

    async fn stats(&self, now: DateTime<Utc>) -> StoreResult<Stats> {
        Ok(sqlx::query_as(sql::STATS)
            .bind(Instant(now - chrono::Duration::hours(1)))
            .bind(Instant(now - chrono::Duration::days(1)))
            .fetch_one(self.pool())
            .await?)
    }

    async fn close(&self) {
        self.shut().await;
    }
}
