//! The shared state every handler gets: one cheap-to-clone handle.

use std::sync::Arc;

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::Keys;
use crate::cache::{RoomCache, UserCache};
use crate::config::Config;
use crate::db::Store;
use crate::delivery::events::Events;
use crate::delivery::followups::Notification;
use crate::delivery::presence::Presence;
use crate::delivery::typing::Typing;
use crate::delivery::writer::Writer;
use crate::files::Files;
use crate::limits::RateLimits;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

pub struct Inner {
    pub config: Config,
    pub store: Arc<dyn Store>,
    /// Attachments: the file store and the URL signer.
    pub files: Files,
    pub keys: Keys,
    pub users: UserCache,
    pub rooms: RoomCache,
    pub writer: Writer,
    pub events: Events,
    pub presence: Presence,
    pub typing: Typing,
    /// Notifications for offline recipients when there is no Redis to publish them on.
    pub notifications: broadcast::Sender<Notification>,
    /// Web Push and e-mail digests for members who are offline.
    pub notify: crate::notify::Notifier,
    /// Response statistics: their follower, figures and gauges.
    pub stats: crate::stats::Stats,
    pub metrics: Arc<Metrics>,
    pub limits: RateLimits,
    /// Contact masking and blocked terms.
    pub safety: crate::moderation::Safety,
    /// Cancelled at shutdown: every background task stops on it.
    pub shutdown: CancellationToken,
    /// Every background task of the instance runs here; shutdown closes it and waits for it
    /// to empty.
    pub tasks: TaskTracker,
}

impl AppState {
    pub fn new(inner: Inner) -> AppState {
        AppState {
            inner: Arc::new(inner),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.inner
    }
}
