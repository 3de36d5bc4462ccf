//! [`OpsStore`](crate::db::OpsStore)'s part ([`OpsDialect`]) on PostgreSQL: as many writers as
//! configured, migrations from `migrations/postgres`.

use super::PgStore;
use crate::db::StoreResult;
use crate::db::ops::OpsDialect;
use crate::db::query::newly_applied;
use crate::db::sql;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl OpsDialect for PgStore {
    /// No limit of its own: writers on rows of different rooms commit side by side.
    fn writers(&self) -> Option<usize> {
        None
    }

    async fn run_migrations(&self) -> StoreResult<Vec<i64>> {
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

    async fn shut(&self) {
        close_fully(&self.pool).await;
        close_fully(&self.commits).await;
    }
}

/// Closes a pool and every connection of it. sqlx's `close` can return while a connection
/// whose return began before the close lands in the pool afterwards, idle and open (seen as a
/// session left on the database after shutdown); closing again closes that one.
async fn close_fully(pool: &sqlx::PgPool) {
    for _ in 0..100 {
        pool.close().await;
        if pool.size() == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
