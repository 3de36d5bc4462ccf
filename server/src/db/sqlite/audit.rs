//! [`AuditStore`] on SQLite: lines are stamped by this process and their detail stored as JSON
//! TEXT.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Sqlite;
use uuid::Uuid;

use super::{SqliteStore, micros};
use crate::db::dialect::Dialect;
use crate::db::{AuditEntry, AuditRecord, AuditStore, StoreResult};

#[async_trait]
impl AuditStore for SqliteStore {
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, action, room_id, message_id, target_user_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(micros(Utc::now()))
        .bind(entry.actor)
        .bind(entry.action)
        .bind(entry.room)
        .bind(entry.message)
        .bind(entry.target_user)
        .bind(entry.detail.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn audit_log(
        &self,
        since: Option<DateTime<Utc>>,
        user: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRecord>> {
        Sqlite::audit_log(&self.pool, since, user, limit).await
    }
}
