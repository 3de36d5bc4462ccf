//! [`MessageStore`] on SQLite: the group commit goes to its own thread (see `commit`); the
//! rest is shared (see `dialect`).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Sqlite;
use tigo_common::Message;
use uuid::Uuid;

use super::SqliteStore;
use crate::db::batch::BatchPlan;
use crate::db::dialect::Dialect;
use crate::db::rows::{IntoRecord, MessageRow};
use crate::db::sql::MESSAGE_SELECT;
use crate::db::{Committed, MessageQuery, MessageStore, NewMessage, StoreResult};

#[async_trait]
impl MessageStore for SqliteStore {
    async fn commit(
        &self,
        batch: Arc<[NewMessage]>,
        delivered: &[Uuid],
        at: DateTime<Utc>,
    ) -> StoreResult<Committed> {
        let plan = BatchPlan::new(&batch);
        let written = (self.commits)
            .commit(batch.clone(), plan.unique_indices(), delivered.to_vec(), at)
            .await?;
        // Repeated idempotency keys: the messages that hold them, read once the batch is
        // committed (they were stored before it, so the commit cannot have changed them).
        let unique = plan.unique(&batch);
        let missing = plan.missing_keys(&unique, &written.stored);
        let mut existing = Vec::with_capacity(missing.len());
        for (sender, key) in &missing {
            let row: Option<MessageRow> = sqlx::query_as(&format!(
                "{MESSAGE_SELECT} WHERE m.sender_id = $1 AND m.client_msg_id = $2"
            ))
            .bind(sender)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = row {
                existing.push((key.clone(), row.into_record()?));
            }
        }
        Ok(Committed {
            inserted: plan.outcomes(&batch, &written.stored, &existing)?,
            delivered: written.delivered,
            seqs: written.seqs,
        })
    }

    async fn message(&self, id: Uuid) -> StoreResult<Option<Message>> {
        Sqlite::message(&self.pool, id).await
    }

    async fn list_messages(&self, q: &MessageQuery) -> StoreResult<(Vec<Message>, i64)> {
        Sqlite::list_messages(&self.pool, q).await
    }

    async fn edit_message(
        &self,
        id: Uuid,
        content: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<(Message, i64)>> {
        Sqlite::edit_message(&self.pool, id, content, at).await
    }

    async fn delete_message(&self, id: Uuid, by: Uuid) -> StoreResult<Option<(Message, i64)>> {
        Sqlite::delete_message(&self.pool, id, by).await
    }
}
