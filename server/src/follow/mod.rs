//! Followers of the stored messages: work derived from messages runs after their commit, not
//! inside it. Search indexing is the first; each follower keeps a durable position in the
//! database, moved in the same transaction as what it applies (see the `0012` migrations),
//! so a restart or a `kill -9` resumes where the last committed step ended, nothing skipped
//! and nothing applied twice, and any number of instances apply each message once.

use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::db::{Followed, Store};

/// After a failed step (the database away), before the next.
const RETRY: Duration = Duration::from_secs(1);

/// Runs the search follower until `shutdown`: a step every `every` while caught up, steps
/// back to back while committed messages remain. A step cut short by shutdown rolls back.
pub async fn search(store: Arc<dyn Store>, every: Duration, shutdown: CancellationToken) {
    let mut pause = Duration::ZERO;
    loop {
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = shutdown.cancelled() => return,
        }
        let step = tokio::select! {
            step = store.follow_search() => step,
            () = shutdown.cancelled() => return,
        };
        pause = match step {
            Ok(Followed::Moved { more: true }) => Duration::ZERO,
            Ok(Followed::Moved { more: false } | Followed::CaughtUp | Followed::Busy) => every,
            Err(err) => {
                tracing::warn!(%err, "the search follower's step failed; retrying");
                RETRY
            }
        };
    }
}

/// `tigo_search_lag_messages` and `tigo_search_lag_seconds`, read from the database (within
/// a second; otherwise left out of the scrape).
pub async fn render_lag(out: &mut String, store: &dyn Store) {
    let Ok(Ok(lag)) = tokio::time::timeout(Duration::from_secs(1), store.search_lag()).await else {
        return;
    };
    let _ = writeln!(
        out,
        "# HELP tigo_search_lag_messages Stored messages the search index has not reached yet (an upper bound).\n# TYPE tigo_search_lag_messages gauge\ntigo_search_lag_messages {}",
        lag.messages
    );
    let _ = writeln!(
        out,
        "# HELP tigo_search_lag_seconds Age of the oldest stored message the search index has not reached yet; 0 when caught up.\n# TYPE tigo_search_lag_seconds gauge\ntigo_search_lag_seconds {}",
        lag.seconds
    );
}
