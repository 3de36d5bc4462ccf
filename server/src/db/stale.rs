//! Pooled PostgreSQL connections that a database restart left dead: noticed the moment it
//! happens, and never handed to a request afterwards.
//!
//! When PostgreSQL restarts, every connection a pool holds is gone, but the pool only finds
//! out when a request uses one and fails. Pinging on every checkout would find out first, at
//! the cost of a round trip per query. Instead a watcher holds one idle connection of its own:
//! it breaks at the same moment as the others, and from then on connections opened before
//! that moment are pinged when checked out (dead ones are dropped and replaced); connections
//! opened since are not.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use sqlx::Connection;
use sqlx::pool::PoolConnectionMetadata;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPoolOptions};

/// How long after a loss connections from before it are checked; by then every one of them
/// has been used (and checked) or has reached the pool's idle timeout.
const CHECK_FOR: Duration = Duration::from_secs(600);

/// When connections were last seen lost, shared by the watcher and the pools' checkout hook.
#[derive(Clone)]
pub struct LossMark {
    origin: Instant,
    /// Microseconds after `origin` of the latest loss; negative: none seen.
    lost_at: Arc<AtomicI64>,
}

impl LossMark {
    pub fn new() -> LossMark {
        LossMark {
            origin: Instant::now(),
            lost_at: Arc::new(AtomicI64::new(-1)),
        }
    }

    fn now(&self) -> i64 {
        self.origin.elapsed().as_micros() as i64
    }

    fn mark(&self) {
        self.lost_at.store(self.now(), Ordering::Release);
    }

    /// Whether a connection of this age may be a survivor of the latest loss.
    fn suspects(&self, age: Duration) -> bool {
        let lost_at = self.lost_at.load(Ordering::Acquire);
        if lost_at < 0 {
            return false;
        }
        let now = self.now();
        let opened_at = now - age.as_micros() as i64;
        opened_at <= lost_at && now - lost_at < CHECK_FOR.as_micros() as i64
    }

    /// The pool's checkout hook: a suspect connection must answer a ping to be used.
    pub fn before_acquire(
        &self,
    ) -> impl Fn(
        &mut PgConnection,
        PoolConnectionMetadata,
    ) -> futures_util::future::BoxFuture<'_, Result<bool, sqlx::Error>>
    + Send
    + Sync
    + 'static {
        let mark = self.clone();
        move |conn, meta| {
            let suspect = mark.suspects(meta.age);
            Box::pin(async move {
                if !suspect {
                    return Ok(true);
                }
                // A dead connection is dropped and the pool tries another (or opens one).
                Ok(conn.ping().await.is_ok())
            })
        }
    }

    /// Watches a connection of its own until the process ends, marking every loss.
    pub fn watch(&self, connect: PgConnectOptions) {
        let mark = self.clone();
        tokio::spawn(async move {
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect_lazy_with(connect);
            let mut listener: Option<PgListener> = None;
            loop {
                let lost = match listener.as_mut() {
                    None => match PgListener::connect_with(&pool).await {
                        Ok(mut l) => {
                            // Report a loss at once; reconnecting first would mark it only
                            // once the database is back, after requests may have used a
                            // dead connection.
                            l.eager_reconnect(false);
                            listener = Some(l);
                            false
                        }
                        Err(_) => true,
                    },
                    // Nothing is ever notified: this returns only when the connection breaks.
                    Some(l) => match l.try_recv().await {
                        Ok(Some(_)) => false,
                        Ok(None) => true,
                        Err(_) => {
                            listener = None;
                            true
                        }
                    },
                };
                if lost {
                    mark.mark();
                    tracing::debug!(
                        "database connection lost; older pooled connections will be checked"
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_connections_opened_before_a_loss_are_suspect() {
        let mark = LossMark::new();
        std::thread::sleep(Duration::from_millis(5));
        assert!(!mark.suspects(Duration::from_millis(3)), "no loss yet");
        mark.mark();
        assert!(
            mark.suspects(Duration::from_millis(4)),
            "opened before the loss"
        );
        std::thread::sleep(Duration::from_millis(5));
        assert!(
            !mark.suspects(Duration::from_millis(1)),
            "opened after the loss"
        );
    }
}
