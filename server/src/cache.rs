//! Small in-memory caches that keep per-message lookups off the database: users (short TTL,
//! evicted on change), room access facts (immutable once created) and rooms' other members
//! (evicted on change).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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
        self.insert_unless(key, value, || false);
    }

    pub fn clear(&self) {
        self.remove_after(None, || {});
    }

    pub fn remove(&self, key: &K) {
        self.remove_after(Some(key), || {});
    }

    /// Inserts unless `stale()`, asked under the lock that [`TtlCache::remove_after`] takes:
    /// a change cannot slip between the question and the insert.
    fn insert_unless(&self, key: K, value: V, stale: impl FnOnce() -> bool) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if stale() {
            return;
        }
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }

    /// Runs `change` (recording that one happened) and removes `key` (every key for `None`)
    /// under one lock.
    fn remove_after(&self, key: Option<&K>, change: impl FnOnce()) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        change();
        if let Some(key) = key {
            entries.remove(key);
        } else {
            entries.clear();
        }
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

/// How long a room's members are kept without hearing of a change: the longest a change
/// made where no event reaches this instance (no Redis) takes to be seen.
pub const MEMBER_TTL: Duration = Duration::from_secs(60);

/// Each room's members other than its two participants (staff, companions, agents): they
/// change, so every instance evicts a room when it hears of a change on the bus
/// (`member_added`, `member_removed`), and the TTL bounds a change missed while the bus was
/// down. A load that raced a change is not kept: the generation (one for all rooms) moved
/// while it read.
pub struct MemberCache {
    rooms: TtlCache<Uuid, Arc<[Uuid]>>,
    generation: AtomicU64,
}

impl Default for MemberCache {
    fn default() -> Self {
        MemberCache {
            rooms: TtlCache::new(MEMBER_TTL, 200_000),
            generation: AtomicU64::new(0),
        }
    }
}

impl MemberCache {
    pub fn get(&self, room: &Uuid) -> Option<Arc<[Uuid]>> {
        self.rooms.get(room)
    }

    /// Read before loading from the database; pass to [`MemberCache::insert_since`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps what was loaded unless a change was heard since `generation` was read (checked
    /// under the lock an eviction takes, so one cannot land between the check and the insert).
    pub fn insert_since(&self, room: Uuid, members: Arc<[Uuid]>, generation: u64) {
        self.rooms
            .insert_unless(room, members, || self.generation() != generation);
    }

    pub fn evict(&self, room: &Uuid) {
        self.rooms.remove_after(Some(room), || self.bump());
    }

    /// Forgets everything (the bus was down: changes may have been missed).
    pub fn clear(&self) {
        self.rooms.remove_after(None, || self.bump());
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_is_kept_only_when_no_change_was_heard_while_it_read() {
        let cache = MemberCache::default();
        let (room, other) = (Uuid::now_v7(), Uuid::now_v7());
        let loaded: Arc<[Uuid]> = Arc::from(vec![Uuid::now_v7()]);

        let before = cache.generation();
        cache.insert_since(room, loaded.clone(), before);
        assert_eq!(cache.get(&room).as_deref(), Some(&*loaded));

        let before = cache.generation();
        cache.evict(&room);
        cache.insert_since(room, loaded.clone(), before);
        assert!(cache.get(&room).is_none(), "a load that raced an eviction");

        let before = cache.generation();
        cache.clear();
        cache.insert_since(other, loaded, before);
        assert!(cache.get(&other).is_none(), "a load that raced a clear");
    }
}
