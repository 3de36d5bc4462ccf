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
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
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

    /// Keeps what was loaded unless a change was heard since `generation` was read.
    pub fn insert_since(&self, room: Uuid, members: Arc<[Uuid]>, generation: u64) {
        if self.generation() == generation {
            self.rooms.insert(room, members);
        }
    }

    pub fn evict(&self, room: &Uuid) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.rooms.remove(room);
    }

    /// Forgets everything (the bus was down: changes may have been missed).
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.rooms.clear();
    }
}
