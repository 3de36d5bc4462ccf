//! Event order per room for changes made outside the group commit (edits, deletes,
//! reactions): the store change and the event it emits happen under one lock per room, so
//! this instance emits a room's changes in the order the database applied them.

use std::sync::LazyLock;

use tokio::sync::MutexGuard;
use uuid::Uuid;

use crate::stripes::Stripes;

/// Striped rather than one lock per room (see [`Stripes`]): two rooms sharing a stripe only
/// wait for each other's short store call.
static LOCKS: LazyLock<Stripes> = LazyLock::new(|| Stripes::new(64));

/// Held while a room's change is stored and its event emitted.
pub async fn room(room: Uuid) -> MutexGuard<'static, ()> {
    LOCKS.lock(room).await
}
