//! [`AttachmentStore`], written once for both dialects: the record both store and return, its
//! row, and the one implementation; each dialect's part ([`AttachmentDialect`]) is how it reads
//! a message's upload id out of its metadata.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use uuid::Uuid;

use super::backend::Backend;
use super::rows::{self, Instant, IntoRecord};
use super::{AttachmentStore, StoreError, StoreResult};

/// An upload's facts; its bytes are in the file store under keys made from `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentRecord {
    pub id: Uuid,
    pub uploader_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub file_size: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// Set for images.
    pub thumbnail_size: Option<i64>,
    /// Set for audio: its length, from the container's timing.
    pub duration_ms: Option<i64>,
    /// Set for audio: the loudness of 64 equal slices, each 0 to 1.
    pub waveform: Option<Vec<f64>>,
    pub created_at: DateTime<Utc>,
    /// The last time it was sent in a message; `None`: never.
    pub attached_at: Option<DateTime<Utc>>,
}

impl AttachmentRecord {
    /// JPEG images get JPEG thumbnails, every other image a PNG.
    pub fn thumbnail_type(&self) -> Option<&'static str> {
        self.thumbnail_size.map(|_| {
            if self.content_type == "image/jpeg" {
                "image/jpeg"
            } else {
                "image/png"
            }
        })
    }
}

/// Columns of `chat_attachments`, in [`AttachmentRow`]'s order.
pub(crate) const COLUMNS: &str = "id, uploader_id, file_name, content_type, file_size, width, \
     height, thumbnail_size, duration_ms, waveform, created_at, attached_at";

#[derive(sqlx::FromRow)]
pub(crate) struct AttachmentRow {
    id: Uuid,
    uploader_id: Uuid,
    file_name: String,
    content_type: String,
    file_size: i64,
    width: Option<i64>,
    height: Option<i64>,
    thumbnail_size: Option<i64>,
    duration_ms: Option<i64>,
    /// JSON: an array of numbers.
    waveform: Option<String>,
    created_at: Instant,
    attached_at: Option<Instant>,
}

impl IntoRecord for AttachmentRow {
    type Record = AttachmentRecord;

    fn into_record(self) -> StoreResult<AttachmentRecord> {
        Ok(AttachmentRecord {
            id: self.id,
            uploader_id: self.uploader_id,
            file_name: self.file_name,
            content_type: self.content_type,
            file_size: self.file_size,
            width: self.width,
            height: self.height,
            thumbnail_size: self.thumbnail_size,
            duration_ms: self.duration_ms,
            waveform: self
                .waveform
                .map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("waveform column: {e}")))?,
            created_at: self.created_at.0,
            attached_at: self.attached_at.map(|at| at.0),
        })
    }
}

/// The dialect's part: how a message's `metadata.attachment.id` is read (in
/// `db/sqlite/attachments.rs` and `db/postgres/attachments.rs`).
pub(crate) trait AttachmentDialect {
    /// Whether upload `$1` (its id as text) is in any message.
    const HELD: &'static str;
    /// Whether upload `$1` (its id as text) is in a message of a room of user `$2`.
    const SHARED: &'static str;

    /// Deletes up to `$2` uploads last sent before `$1` that no message holds any more,
    /// returning them.
    fn purge() -> String;
}

#[async_trait]
impl<S: Backend + AttachmentDialect> AttachmentStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> String: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q String: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<i64>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<String>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Instant>: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (bool,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> AttachmentRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn insert_attachment(&self, a: &AttachmentRecord) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO chat_attachments ({COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(a.id)
        .bind(a.uploader_id)
        .bind(&a.file_name)
        .bind(&a.content_type)
        .bind(a.file_size)
        .bind(a.width)
        .bind(a.height)
        .bind(a.thumbnail_size)
        .bind(a.duration_ms)
        .bind(
            a.waveform
                .as_ref()
                .and_then(|w| serde_json::to_string(w).ok()),
        )
        .bind(Instant(a.created_at))
        .bind(a.attached_at.map(Instant))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn attachment(&self, id: Uuid) -> StoreResult<Option<AttachmentRecord>> {
        let row: Option<AttachmentRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM chat_attachments WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
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
        .fetch_optional(self.pool())
        .await?;
        rows::optional(row)
    }

    async fn attachment_held(&self, id: Uuid) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(S::HELD)
            .bind(id.hyphenated().to_string())
            .fetch_one(self.pool())
            .await?)
    }

    async fn attachment_shared_with(&self, id: Uuid, user: Uuid) -> StoreResult<bool> {
        Ok(sqlx::query_scalar(S::SHARED)
            .bind(id.hyphenated().to_string())
            .bind(user)
            .fetch_one(self.pool())
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
        .fetch_all(self.pool())
        .await?;
        rows::all(found)
    }

    async fn purge_unreferenced(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<AttachmentRecord>> {
        let found: Vec<AttachmentRow> = sqlx::query_as(&S::purge())
            .bind(Instant(before))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows::all(found)
    }
}
