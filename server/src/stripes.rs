//! Striped async locks: "one at a time per room (or per user)" from a fixed set of mutexes, one
//! chosen by id, rather than one lock per id: no map to grow or clean. Two ids sharing a stripe
//! only wait for each other's short critical section.

use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

pub struct Stripes(Vec<Mutex<()>>);

impl Stripes {
    /// `count` stripes (at least one).
    pub fn new(count: usize) -> Stripes {
        Stripes((0..count.max(1)).map(|_| Mutex::new(())).collect())
    }

    /// Waits for `id`'s stripe and holds it while the guard lives.
    pub async fn lock(&self, id: Uuid) -> MutexGuard<'_, ()> {
        let stripe = (id.as_u128() % self.0.len() as u128) as usize;
        self.0[stripe].lock().await
    }
}
