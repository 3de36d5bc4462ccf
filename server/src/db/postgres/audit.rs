//! [`AuditStore`] on PostgreSQL: lines are stamped by the database's clock and their detail
//! stored as `jsonb`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Postgres;
use uuid::Uuid;

use super::PgStore;
use crate::db::dialect::Dialect;
use crate::db::{AuditEntry, AuditRecord, AuditStore, StoreResult};

#[async_trait]
impl AuditStore for PgStore {
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (actor_id, action, room_id, message_id, target_user_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(entry.actor)
        .bind(entry.action)
        .bind(entry.room)
        .bind(entry.message)
        .bind(entry.target_user)
        .bind(&entry.detail)
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
        Postgres::audit_log(&self.pool, since, user, limit).await
    }
}
