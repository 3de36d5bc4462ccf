//! [`ReceiptStore`] on PostgreSQL: read receipts as written once in `dialect` (delivery
//! receipts ride the group commit).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Postgres;
use uuid::Uuid;

use super::PgStore;
use crate::db::dialect::Dialect;
use crate::db::{ReadOutcome, ReceiptStore, StoreResult};

#[async_trait]
impl ReceiptStore for PgStore {
    async fn mark_read(
        &self,
        room_id: Uuid,
        user: Uuid,
        move_status: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<ReadOutcome> {
        Postgres::mark_read(&self.pool, room_id, user, move_status, at).await
    }
}
