//! [`ReceiptStore`] on SQLite: read receipts as written once in `dialect`, in a transaction
//! that takes the write lock up front (delivery receipts ride the group commit).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Sqlite;
use uuid::Uuid;

use super::SqliteStore;
use crate::db::dialect::Dialect;
use crate::db::{ReadOutcome, ReceiptStore, StoreResult};

#[async_trait]
impl ReceiptStore for SqliteStore {
    async fn mark_read(
        &self,
        room_id: Uuid,
        user: Uuid,
        move_status: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<ReadOutcome> {
        Sqlite::mark_read(&self.pool, room_id, user, move_status, at).await
    }
}
