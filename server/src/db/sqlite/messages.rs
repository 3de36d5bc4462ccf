//! [`MessageStore`](crate::db::MessageStore)'s part ([`MessageSql`]) on SQLite: the group
//! commit goes to its own thread (see `commit`); the messages it finds already stored under a
//! repeated idempotency key are read here afterwards.

use std::sync::Arc;

use super::SqliteStore;
use crate::db::batch::BatchPlan;
use crate::db::messages::MessageSql;
use crate::db::rows::{IntoRecord, MessageRow};
use crate::db::sql::MESSAGE_SELECT;
use crate::db::{Committed, NewMessage, Receipt, StoreResult};

impl MessageSql for SqliteStore {
    const REFRESH_LAST: &'static str = "UPDATE chat_rooms SET
        last_message_content = (SELECT CASE WHEN content = '' AND file_name IS NOT NULL THEN file_name ELSE content END
            FROM chat_messages WHERE chat_room_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1),
        last_message_at = (SELECT created_at
            FROM chat_messages WHERE chat_room_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1),
        last_message_sender_id = (SELECT sender_id
            FROM chat_messages WHERE chat_room_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1)
    WHERE id = $1";

    async fn group_commit(
        &self,
        batch: Arc<[NewMessage]>,
        receipts: &[Receipt],
    ) -> StoreResult<Committed> {
        let plan = BatchPlan::new(&batch);
        let written = (self.commits)
            .commit(batch.clone(), plan.unique_indices(), receipts.to_vec())
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
}
