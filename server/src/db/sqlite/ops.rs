//! [`OpsStore`] on SQLite: one writer at a time, migrations from `migrations/sqlite`; the rest
//! is shared (see `dialect`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Sqlite;
use uuid::Uuid;

use super::SqliteStore;
use crate::db::dialect::Dialect;
use crate::db::query::newly_applied;
use crate::db::sql;
use crate::db::{OpsStore, Stats, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

impl SqliteStore {
    async fn applied_versions(&self) -> StoreResult<Vec<i64>> {
        let exists: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(&self.pool)
        .await?;
        if exists == 0 {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_scalar(sql::APPLIED_VERSIONS)
            .fetch_all(&self.pool)
            .await?)
    }
}

#[async_trait]
impl OpsStore for SqliteStore {
    /// One: SQLite has one write lock, so more writers would only queue for it.
    fn max_writers(&self) -> Option<usize> {
        Some(1)
    }

    async fn migrate(&self) -> StoreResult<Vec<i64>> {
        let before = self.applied_versions().await?;
        MIGRATOR.run(&self.pool).await?;
        Ok(newly_applied(&before, self.applied_versions().await?))
    }

    async fn ping(&self) -> StoreResult<()> {
        Sqlite::ping(&self.pool).await
    }

    async fn close(&self) {
        self.pool.close().await;
        self.commits.close();
    }

    async fn applied_migrations(&self) -> StoreResult<Vec<i64>> {
        self.applied_versions().await
    }

    async fn setting_get_or_insert(&self, key: &str, value: &str) -> StoreResult<String> {
        Sqlite::setting_get_or_insert(&self.pool, key, value).await
    }

    async fn purge_batch(
        &self,
        before: DateTime<Utc>,
        room: Option<Uuid>,
        batch: i64,
    ) -> StoreResult<u64> {
        Sqlite::purge_batch(&self.pool, before, room, batch).await
    }

    async fn count_older(&self, before: DateTime<Utc>, room: Option<Uuid>) -> StoreResult<i64> {
        Sqlite::count_older(&self.pool, before, room).await
    }

    async fn stats(&self, now: DateTime<Utc>) -> StoreResult<Stats> {
        Sqlite::stats(&self.pool, now).await
    }
}
