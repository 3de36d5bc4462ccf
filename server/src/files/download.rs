//! Downloads: who may read an attachment, and the bytes of a file or its thumbnail, whole or
//! one byte range, streamed from the store as they arrive.

use std::ops::Range;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use uuid::Uuid;

use super::{Files, detect, original_key, thumbnail_key};
use crate::db::{AttachmentRecord, Store};
use crate::error::{AppError, AppResult};

/// The uploaded file or its thumbnail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    Thumbnail,
}

impl Variant {
    /// The path a signed URL of this variant signs.
    pub fn path(self, id: Uuid) -> String {
        match self {
            Variant::Original => format!("/chat/files/{id}"),
            Variant::Thumbnail => format!("/chat/files/{id}/thumbnail"),
        }
    }
}

/// Who asks: a valid signature (a capability for that one URL), or a signed-in user.
pub enum Reader {
    Signed,
    User { id: Uuid, admin: bool },
}

/// What a download answers with.
pub struct Download {
    pub content_type: String,
    pub file_name: String,
    /// Images are shown inline; anything else is only ever saved.
    pub inline: bool,
    /// The whole object's size.
    pub size: u64,
    /// `Some` for a 206: the range sent (end exclusive).
    pub partial: Option<Range<u64>>,
    pub body: BoxStream<'static, Result<Bytes, object_store::Error>>,
}

/// A `Range` header as one byte range within `size`: `Ok(None)` to send everything (no header,
/// or one we do not serve, like several ranges), `Err` when it cannot be satisfied (416).
pub fn parse_range(header: Option<&str>, size: u64) -> Result<Option<Range<u64>>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (start, end) = (start.trim(), end.trim());
    let range = if start.is_empty() {
        // The last `end` bytes.
        let Ok(n) = end.parse::<u64>() else {
            return Ok(None);
        };
        if n == 0 || size == 0 {
            return Err(());
        }
        size.saturating_sub(n)..size
    } else {
        let Ok(first) = start.parse::<u64>() else {
            return Ok(None);
        };
        let last = if end.is_empty() {
            size.saturating_sub(1)
        } else {
            match end.parse::<u64>() {
                Ok(last) if last >= first => last.min(size.saturating_sub(1)),
                _ => return Ok(None),
            }
        };
        if first >= size {
            return Err(());
        }
        first..last + 1
    };
    Ok(Some(range))
}

/// Checks `reader` may read upload `id`, then opens the variant. 404 for an unknown id (or
/// a thumbnail of a file that has none), 403 for a user who may not see it, 416 for a range
/// outside it. A file that was sent and that no message holds any more (its messages were
/// deleted) is its uploader's alone: 404 for everyone else, whatever the signature, so
/// deleting a message takes back the URLs its recipients already hold.
pub async fn open(
    files: &Files,
    store: &dyn Store,
    id: Uuid,
    variant: Variant,
    reader: Reader,
    range: Option<&str>,
) -> AppResult<Download> {
    let record = store
        .attachment(id)
        .await?
        .ok_or_else(|| AppError::NotFound("File not found".into()))?;
    let uploader = matches!(reader, Reader::User { id, .. } if id == record.uploader_id);
    if !uploader && record.attached_at.is_some() && !store.attachment_held(id).await? {
        return Err(AppError::NotFound("File not found".into()));
    }
    if let Reader::User { id: user, admin } = reader
        && !admin
        && record.uploader_id != user
        && !store.attachment_shared_with(id, user).await?
    {
        return Err(AppError::Forbidden(
            "You do not have access to this file".into(),
        ));
    }
    let (key, size, content_type) = facts(&record, variant)?;
    let range = parse_range(range, size).map_err(|()| AppError::RangeNotSatisfiable(size))?;
    let blob = files.store.get(&key, range.clone()).await?;
    Ok(Download {
        inline: detect::is_image(&content_type),
        content_type,
        file_name: record.file_name,
        size: blob.size,
        partial: range.map(|_| blob.range),
        body: blob.body,
    })
}

fn facts(record: &AttachmentRecord, variant: Variant) -> AppResult<(String, u64, String)> {
    match variant {
        Variant::Original => Ok((
            original_key(record.id),
            record.file_size.max(0) as u64,
            record.content_type.clone(),
        )),
        Variant::Thumbnail => match (record.thumbnail_size, record.thumbnail_type()) {
            (Some(size), Some(content_type)) => Ok((
                thumbnail_key(record.id),
                size.max(0) as u64,
                content_type.to_string(),
            )),
            _ => Err(AppError::NotFound("This file has no thumbnail".into())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_one_byte_range() {
        assert_eq!(parse_range(None, 10), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-3"), 10), Ok(Some(0..4)));
        assert_eq!(parse_range(Some("bytes=5-"), 10), Ok(Some(5..10)));
        assert_eq!(parse_range(Some("bytes=-3"), 10), Ok(Some(7..10)));
        assert_eq!(parse_range(Some("bytes=8-100"), 10), Ok(Some(8..10)));
        assert_eq!(parse_range(Some("bytes=10-"), 10), Err(()));
        assert_eq!(parse_range(Some("bytes=-0"), 10), Err(()));
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), Ok(None));
        assert_eq!(parse_range(Some("items=0-1"), 10), Ok(None));
        assert_eq!(parse_range(Some("bytes=5-2"), 10), Ok(None));
    }
}
