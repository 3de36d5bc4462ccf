//! [`AttachmentStore`] on SQLite: a message's upload is `json_extract(metadata,
//! '$.attachment.id')`, a UUID in text, compared with the BLOB id spelled the same way.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::SqliteStore;
use crate::db::attachments::{AttachmentRow, COLUMNS};
use crate::db::rows::{self, Instant};
use crate::db::{AttachmentRecord, AttachmentStore, StoreResult};

/// A BLOB id as a lower-case hyphenated UUID, as JSON holds it.
const ID_TEXT: &str = "lower(substr(hex(a.id), 1, 8) || '-' || substr(hex(a.id), 9, 4) || '-' || \
     substr(hex(a.id), 13, 4) || '-' || substr(hex(a.id), 17, 4) || '-' || substr(hex(a.id), 21))";

#[async_trait]
impl AttachmentStore for SqliteStore {
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
                WHERE json_extract(m.metadata, '$.attachment.id') = $1
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
                WHERE a.attached_at IS NOT NULL AND a.attached_at < $1
                  AND NOT EXISTS (SELECT 1 FROM chat_messages m
                      WHERE json_extract(m.metadata, '$.attachment.id') = {ID_TEXT})
                LIMIT $2)
             RETURNING {COLUMNS}"
        ))
        .bind(Instant(before))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows::all(found)
    }
}
