//! [`AuditStore`](crate::db::AuditStore)'s part ([`AuditDialect`]) on PostgreSQL: lines are
//! stamped by the database's clock and their detail stored as `jsonb`.

use super::PgStore;
use crate::db::audit::AuditDialect;
use crate::db::{AuditEntry, StoreResult};

impl AuditDialect for PgStore {
    async fn insert_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
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
}
