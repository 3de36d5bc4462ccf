//! Small in-memory caches that keep per-message lookups off the database: users (short TTL,
//! evicted on change) and room access facts (immutable once created).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::db::{RoomAccess, UserRecord};

/// A bounded map whose entries expire; when full it starts over (a cache, not a store).
pub struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
    ttl: Duration,
    capacity: usize,
}

impl<K: Eq + Hash + Copy, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            entries: Mutex::new(HashMap::new()),
            ttl,
            capacity,
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| v.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }

    pub fn remove(&self, key: &K) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

/// Users by id, as authentication sees them. Role changes and deactivation evict them on every
/// instance within a second (`user_watch`); the TTL bounds anything else.
pub type UserCache = TtlCache<Uuid, UserRecord>;

/// Room participants and type, which never change once a room exists.
pub type RoomCache = TtlCache<Uuid, RoomAccess>;

pub fn user_cache() -> UserCache {
    TtlCache::new(Duration::from_secs(30), 100_000)
}

pub fn room_cache() -> RoomCache {
    TtlCache::new(Duration::from_secs(24 * 3600), 200_000)
}
