//! The attachment record both backends store and return, and its row.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreResult;
use super::rows::{Instant, IntoRecord};

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
     height, thumbnail_size, created_at, attached_at";

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
            created_at: self.created_at.0,
            attached_at: self.attached_at.map(|at| at.0),
        })
    }
}
