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
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

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

    /// Watches a connection of its own (a task on `tasks`) until `stop`, marking every loss.
    pub fn watch(
        &self,
        connect: PgConnectOptions,
        (tasks, stop): (&TaskTracker, CancellationToken),
    ) {
        let mark = self.clone();
        tasks.spawn(async move {
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect_lazy_with(connect);
            let mut listener: Option<PgListener> = None;
            while !stop.is_cancelled() {
                let lost = match listener.as_mut() {
                    None => match stop
                        .run_until_cancelled(PgListener::connect_with(&pool))
                        .await
                    {
                        None => break,
                        Some(Ok(mut l)) => {
                            // Report a loss at once; reconnecting first would mark it only
                            // once the database is back, after requests may have used a
                            // dead connection.
                            l.eager_reconnect(false);
                            listener = Some(l);
                            false
                        }
                        Some(Err(_)) => true,
                    },
                    // Nothing is ever notified: this returns only when the connection breaks.
                    Some(l) => match stop.run_until_cancelled(l.try_recv()).await {
                        None => break,
                        Some(Ok(Some(_))) => false,
                        Some(Ok(None)) => true,
                        Some(Err(_)) => {
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
            // Its connection goes now, not when the last pool handle happens to be dropped.
            drop(listener);
            pool.close().await;
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
