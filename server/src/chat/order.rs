//! Event order per room for changes made outside the group commit (edits, deletes,
//! reactions): the store change and the event it emits happen under one lock per room, so
//! this instance emits a room's changes in the order the database applied them.

use std::sync::LazyLock;

use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

/// Striped rather than one lock per room: a fixed set, no map to grow or clean. Two rooms
/// sharing a stripe only wait for each other's short store call.
const STRIPES: usize = 64;

static LOCKS: LazyLock<Vec<Mutex<()>>> =
    LazyLock::new(|| (0..STRIPES).map(|_| Mutex::new(())).collect());

/// Held while a room's change is stored and its event emitted.
pub async fn room(room: Uuid) -> MutexGuard<'static, ()> {
    let stripe = (room.as_u128() % STRIPES as u128) as usize;
    LOCKS[stripe].lock().await
}
