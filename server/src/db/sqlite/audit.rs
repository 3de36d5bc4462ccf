//! [`AuditStore`](crate::db::AuditStore)'s part ([`AuditDialect`]) on SQLite: lines are stamped
//! by this process and their detail stored as JSON TEXT.

use chrono::Utc;

use super::{SqliteStore, micros};
use crate::db::audit::AuditDialect;
use crate::db::{AuditEntry, StoreResult};

impl AuditDialect for SqliteStore {
    async fn insert_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
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
}
