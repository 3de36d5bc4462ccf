//! [`OpsStore`](crate::db::OpsStore)'s part ([`OpsDialect`]) on SQLite: one writer at a time,
//! migrations from `migrations/sqlite`.

use super::SqliteStore;
use crate::db::StoreResult;
use crate::db::ops::OpsDialect;
use crate::db::query::newly_applied;
use crate::db::sql;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

impl OpsDialect for SqliteStore {
    /// One: SQLite has one write lock, so more writers would only queue for it.
    fn writers(&self) -> Option<usize> {
        Some(1)
    }

    async fn run_migrations(&self) -> StoreResult<Vec<i64>> {
        let before = self.applied_versions().await?;
        MIGRATOR.run(&self.pool).await?;
        Ok(newly_applied(&before, self.applied_versions().await?))
    }

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

    async fn shut(&self) {
        self.pool.close().await;
        self.commits.close();
    }
}
