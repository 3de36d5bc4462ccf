//! [`AttachmentStore`] on PostgreSQL: a message's upload is `metadata -> 'attachment' ->>
//! 'id'`, compared with the id as text. Deletes re-check their condition on the row they
//! lock, so a concurrent [`AttachmentStore::attach`] keeps its upload.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::PgStore;
use crate::db::attachments::{AttachmentRow, COLUMNS};
use crate::db::rows::{self, Instant};
use crate::db::{AttachmentRecord, AttachmentStore, StoreResult};

#[async_trait]
impl AttachmentStore for PgStore {
    async fn insert_attachment(&self, a: &AttachmentRecord) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO chat_attachments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(a.id)
        .bind(a.uploader_id)
        .bind(&a.file_name)
        .bind(&a.content_type)
        .bind(a.file_size)
        .bind(a.width)
        .bind(a.height)
        .bind(a.thumbnail_size)
        .bind(Instant(a.created_at))
        .bind(a.attached_at.map(Instant))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn attachment(&self, id: Uuid) -> StoreResult<Option<AttachmentRecord>> {
        let row: Option<AttachmentRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM chat_attachments WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        rows::optional(row)
    }

    async fn attach(
        &self,
        id: Uuid,
        uploader: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<AttachmentRecord>> {
        let row: Option<AttachmentRow> = sqlx::query_as(&format!(
            "UPDATE chat_attachments SET attached_at = $3 WHERE id = $1 AND uploader_id = $2
             RETURNING {COLUMNS}"
        ))
        .bind(id)
        .bind(uploader)
        .bind(Instant(at))
        .fetch_optional(&self.pool)
        .await?;
        rows::optional(row)
    }

    async fn attachment_shared_with(&self, id: Uuid, user: Uuid) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM chat_messages m JOIN chat_rooms r ON r.id = m.chat_room_id
                WHERE m.metadata -> 'attachment' ->> 'id' = $1
                  AND (r.participant1_id = $2 OR r.participant2_id = $2))",
        )
        .bind(id.hyphenated().to_string())
        .bind(user)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn sweep_unattached(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<AttachmentRecord>> {
        let found: Vec<AttachmentRow> = sqlx::query_as(&format!(
            "DELETE FROM chat_attachments WHERE id IN (
                SELECT id FROM chat_attachments
                WHERE attached_at IS NULL AND created_at < $1 LIMIT $2)
             AND attached_at IS NULL
             RETURNING {COLUMNS}"
        ))
        .bind(Instant(before))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows::all(found)
    }

    async fn purge_unreferenced(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<AttachmentRecord>> {
        let found: Vec<AttachmentRow> = sqlx::query_as(&format!(
            "DELETE FROM chat_attachments WHERE id IN (
                SELECT a.id FROM chat_attachments a
                WHERE a.attached_at < $1
                  AND NOT EXISTS (SELECT 1 FROM chat_messages m
                      WHERE m.metadata -> 'attachment' ->> 'id' = a.id::text)
                LIMIT $2)
             AND attached_at < $1
             RETURNING {COLUMNS}"
        ))
        .bind(Instant(before))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows::all(found)
    }
}
