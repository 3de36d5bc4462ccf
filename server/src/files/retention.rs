//! Retention: uploads never sent go after `UNATTACHED_UPLOAD_TTL`; `admin purge` removes those
//! no remaining message holds. The row goes first (nothing can reach the file after that),
//! then the file; a file the store fails to delete is logged and left behind, never a row
//! without its file.

use std::time::Duration;

use chrono::Utc;

use super::{Files, upload::remove};
use crate::db::{AttachmentRecord, Store};
use crate::error::AppResult;

const BATCH: i64 = 100;
/// Most batches one call works through, so a call ends even while uploads keep coming.
const MAX_BATCHES: usize = 1000;

/// An upload sent just now may still be on its way into a message: a purge leaves uploads
/// sent within this long alone.
pub const PURGE_GRACE: Duration = Duration::from_secs(60);

/// Removes uploads never sent and older than the configured TTL; returns them.
pub async fn sweep_unattached(
    files: &Files,
    store: &dyn Store,
) -> AppResult<Vec<AttachmentRecord>> {
    let before = Utc::now()
        - chrono::Duration::from_std(files.config.unattached_ttl).unwrap_or(chrono::Duration::MAX);
    let mut removed = Vec::new();
    for _ in 0..MAX_BATCHES {
        let batch = store.sweep_unattached(before, BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for record in &batch {
            remove(files, record.id).await;
        }
        removed.extend(batch);
    }
    Ok(removed)
}

/// Removes uploads that no message holds any more (after a purge or deletes); returns them.
pub async fn purge_unreferenced(
    files: &Files,
    store: &dyn Store,
) -> AppResult<Vec<AttachmentRecord>> {
    let before = Utc::now() - chrono::Duration::from_std(PURGE_GRACE).unwrap_or_default();
    let mut removed = Vec::new();
    for _ in 0..MAX_BATCHES {
        let batch = store.purge_unreferenced(before, BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for record in &batch {
            remove(files, record.id).await;
        }
        removed.extend(batch);
    }
    Ok(removed)
}
