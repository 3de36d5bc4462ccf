//! [`OpsStore`] on PostgreSQL: as many writers as configured, migrations from
//! `migrations/postgres`; the rest is shared (see `dialect`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Postgres;
use uuid::Uuid;

use super::PgStore;
use crate::db::dialect::Dialect;
use crate::db::query::newly_applied;
use crate::db::sql;
use crate::db::{OpsStore, Stats, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl PgStore {
    async fn applied_versions(&self) -> StoreResult<Vec<i64>> {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&self.pool)
            .await?;
        if !exists {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_scalar(sql::APPLIED_VERSIONS)
            .fetch_all(&self.pool)
            .await?)
    }
}

#[async_trait]
impl OpsStore for PgStore {
    /// No limit of its own: writers on rows of different rooms commit side by side.
    fn max_writers(&self) -> Option<usize> {
        None
    }

    async fn migrate(&self) -> StoreResult<Vec<i64>> {
        let before = self.applied_versions().await?;
        // On a connection of its own with no statement timeout: a migration may build an
        // index over every stored message, which takes longer than any request may. The
        // connection is closed afterwards rather than returned to the pool without its limit.
        let mut conn = self.pool.acquire().await?;
        sqlx::query("SET statement_timeout = 0")
            .execute(&mut *conn)
            .await?;
        let ran = MIGRATOR.run_direct(&mut *conn).await;
        conn.close_on_drop();
        // Given back before the pool is asked again (a pool of one would wait for itself).
        drop(conn);
        ran?;
        Ok(newly_applied(&before, self.applied_versions().await?))
    }

    async fn ping(&self) -> StoreResult<()> {
        Postgres::ping(&self.pool).await
    }

    async fn close(&self) {
        self.pool.close().await;
        self.commits.close().await;
    }

    async fn applied_migrations(&self) -> StoreResult<Vec<i64>> {
        self.applied_versions().await
    }

    async fn setting_get_or_insert(&self, key: &str, value: &str) -> StoreResult<String> {
        Postgres::setting_get_or_insert(&self.pool, key, value).await
    }

    async fn purge_batch(
        &self,
        before: DateTime<Utc>,
        room: Option<Uuid>,
        batch: i64,
    ) -> StoreResult<u64> {
        Postgres::purge_batch(&self.pool, before, room, batch).await
    }

    async fn count_older(&self, before: DateTime<Utc>, room: Option<Uuid>) -> StoreResult<i64> {
        Postgres::count_older(&self.pool, before, room).await
    }

    async fn stats(&self, now: DateTime<Utc>) -> StoreResult<Stats> {
        Postgres::stats(&self.pool, now).await
    }
}
