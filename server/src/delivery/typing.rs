//! Typing indicators: a start shows at once, repeats are absorbed, and a start with no stop
//! ends by itself after the TTL (≈ 5 s).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tigo_common::UserTyping;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use crate::delivery::events::Events;

#[derive(Clone)]
pub struct Typing {
    inner: Arc<Inner>,
}

struct Inner {
    /// (user, room) → when the indicator ends unless renewed.
    active: Mutex<HashMap<(Uuid, Uuid), Instant>>,
    ttl: Duration,
    events: Events,
    /// Where the end-of-typing timers run, and what stops them at shutdown.
    tasks: TaskTracker,
    shutdown: CancellationToken,
}

impl Typing {
    pub fn new(
        ttl: Duration,
        events: Events,
        (tasks, shutdown): (&TaskTracker, CancellationToken),
    ) -> Typing {
        Typing {
            inner: Arc::new(Inner {
                active: Mutex::new(HashMap::new()),
                ttl,
                events,
                tasks: tasks.clone(),
                shutdown,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Uuid, Uuid), Instant>> {
        self.inner.active.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Indicators showing now (`tigo_live_objects`).
    pub fn showing(&self) -> usize {
        self.lock().len()
    }

    fn announce(&self, user: Uuid, room: Uuid, is_typing: bool) {
        self.inner.events.typing(&UserTyping {
            user_id: user,
            room_id: room,
            is_typing,
        });
    }

    /// A start shows at once; repeats only push the end back (one timer per user and room).
    pub fn start(&self, user: Uuid, room: Uuid) {
        let until = Instant::now() + self.inner.ttl;
        let was_typing = self.lock().insert((user, room), until).is_some();
        if was_typing {
            return;
        }
        self.announce(user, room, true);
        let this = self.clone();
        self.inner.tasks.spawn(async move {
            let mut until = until;
            loop {
                tokio::select! {
                    () = tokio::time::sleep_until(until.into()) => {}
                    () = this.inner.shutdown.cancelled() => return,
                }
                let next = {
                    let mut active = this.lock();
                    match active.get(&(user, room)).copied() {
                        // Stopped (and maybe restarted, with its own timer) meanwhile.
                        None => return,
                        Some(later) if later > Instant::now() => Some(later),
                        Some(_) => {
                            active.remove(&(user, room));
                            None
                        }
                    }
                };
                match next {
                    Some(later) => until = later,
                    None => break,
                }
            }
            this.announce(user, room, false);
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
