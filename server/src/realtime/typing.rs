//! Typing indicators: a start shows at once, repeats are absorbed, and a start with no stop
//! ends by itself after the TTL (≈ 5 s).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tigo_common::UserTyping;
use uuid::Uuid;

use crate::events::Events;

#[derive(Clone)]
pub struct Typing {
    inner: Arc<Inner>,
}

struct Inner {
    /// (user, room) → generation of the latest start.
    active: Mutex<HashMap<(Uuid, Uuid), u64>>,
    generation: AtomicU64,
    ttl: Duration,
    events: Events,
}

impl Typing {
    pub fn new(ttl: Duration, events: Events) -> Typing {
        Typing {
            inner: Arc::new(Inner {
                active: Mutex::new(HashMap::new()),
                generation: AtomicU64::new(0),
                ttl,
                events,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Uuid, Uuid), u64>> {
        self.inner.active.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn announce(&self, user: Uuid, room: Uuid, is_typing: bool) {
        self.inner.events.typing(&UserTyping {
            user_id: user,
            room_id: room,
            is_typing,
        });
    }

    pub fn start(&self, user: Uuid, room: Uuid) {
        let generation = self.inner.generation.fetch_add(1, Ordering::Relaxed);
        let was_typing = self.lock().insert((user, room), generation).is_some();
        if !was_typing {
            self.announce(user, room, true);
        }
        let this = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(this.inner.ttl).await;
            let expired = {
                let mut active = this.lock();
                let expired = active.get(&(user, room)) == Some(&generation);
                if expired {
                    active.remove(&(user, room));
                }
                expired
            };
            if expired {
                this.announce(user, room, false);
            }
        });
    }

    pub fn stop(&self, user: Uuid, room: Uuid) {
        if self.lock().remove(&(user, room)).is_some() {
            self.announce(user, room, false);
        }
    }

    /// The user's last connection closed: whatever they were typing ends.
    pub fn clear_user(&self, user: Uuid) {
        let rooms: Vec<Uuid> = {
            let mut active = self.lock();
            let rooms: Vec<Uuid> = active
                .keys()
                .filter(|(u, _)| *u == user)
                .map(|(_, r)| *r)
                .collect();
            for room in &rooms {
                active.remove(&(user, *room));
            }
            rooms
        };
        for room in rooms {
            self.announce(user, room, false);
        }
    }
}
