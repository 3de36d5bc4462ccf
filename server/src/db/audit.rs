//! [`AuditStore`], written once for both dialects; each dialect's part ([`AuditDialect`], in
//! `db/sqlite/audit.rs` and `db/postgres/audit.rs`) is how it appends a line: who stamps it
//! and how its detail is stored.

use std::future::Future;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use uuid::Uuid;

use super::backend::Backend;
use super::rows::{self, AuditRow, Instant};
use super::sql;
use super::{AuditEntry, AuditRecord, AuditStore, StoreResult};

/// The dialect's part: appending a line.
pub(crate) trait AuditDialect {
    /// Appends `entry` to the audit log.
    fn insert_audit(&self, entry: &AuditEntry) -> impl Future<Output = StoreResult<()>> + Send;
}

#[async_trait]
impl<S: Backend + AuditDialect> AuditStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Option<Uuid>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Instant>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> AuditRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.insert_audit(entry).await
    }

    async fn audit_log(
        &self,
        since: Option<DateTime<Utc>>,
        user: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRecord>> {
        let found: Vec<AuditRow> = sqlx::query_as(sql::AUDIT_LOG)
            .bind(since.map(Instant))
            .bind(user)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows::all(found)
    }
}
