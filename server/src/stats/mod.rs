//! Response statistics (contract v3, issue 31): how fast hotels and support answer, and how
//! busy the service is. The follower (`follow`) keeps threads and buckets as messages are
//! stored, by the rules in `threads`; reads compute the figures (`figures`) from a hotel's
//! threads or a period's buckets, never from every message. Also the Prometheus support gauges
//! and the first reply histogram.

pub mod figures;
mod follow;
mod histogram;
pub mod period;
pub mod threads;

use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tigo_common::{AdminStats, ResponseStats};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use self::figures::{FALLBACK, Period};
use self::histogram::Histogram;
use crate::db::stats::{HotelFigures, Span};
use crate::db::{Store, StoreResult};

/// Hotels' figures a read of the Admin figures brings up to date first, at most (the refresher
/// keeps up with the rest).
const REFRESH: i64 = 200;

/// The service's statistics: cheap to clone, one per instance.
#[derive(Clone)]
pub struct Stats {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    /// First reply times of support threads this instance's follower found.
    first_replies: Histogram,
}

/// What `GET /chat/admin/stats` asks for, checked.
#[derive(Debug, Clone, Copy)]
pub struct PeriodQuery {
    pub period: Period,
    pub span: Span,
}

impl Stats {
    pub fn new(store: Arc<dyn Store>) -> Stats {
        Stats {
            inner: Arc::new(Inner {
                store,
                first_replies: Histogram::default(),
            }),
        }
    }

    /// Starts the follower and the hotels' figures' refresher (`every`: the follower's pause
    /// while caught up; `None`: neither runs on this instance).
    pub fn spawn(
        &self,
        every: Option<Duration>,
        (tasks, shutdown): (&TaskTracker, CancellationToken),
    ) {
        if let Some(every) = every {
            tasks.spawn(follow::run(self.clone(), every, shutdown.clone()));
            tasks.spawn(follow::refresh(self.clone(), shutdown));
        }
    }

    /// Recomputes the figures of hotels that are due at `now` (their threads changed, or time
    /// changed them), at most `limit`; how many were due.
    pub async fn refresh_hotels(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<usize> {
        let store = &self.inner.store;
        let due = store.due_hotels(now, limit).await?;
        for (hotel, version) in &due {
            let threads = store.hotel_threads(*hotel, now - FALLBACK).await?;
            let shown = figures::hotel(*hotel, &threads, now);
            let kept = HotelFigures {
                threads: i64::from(shown.threads),
                within: i64::from(shown.responded_within_24h),
                valid_until: figures::valid_until(&threads, now),
            };
            store.put_hotel_figures(*hotel, *version, kept).await?;
        }
        Ok(due.len())
    }

    /// A hotel's response figures at `now`.
    pub async fn hotel(&self, hotel: Uuid, now: DateTime<Utc>) -> StoreResult<ResponseStats> {
        let threads = self
            .inner
            .store
            .hotel_threads(hotel, now - FALLBACK)
            .await?;
        Ok(figures::hotel(hotel, &threads, now))
    }

    /// The service's figures over a period, at `now`.
    pub async fn admin(&self, query: PeriodQuery, now: DateTime<Utc>) -> StoreResult<AdminStats> {
        let store = &self.inner.store;
        let (since, until) = query.period;
        let first = threads::bucket_of(query.span, since);
        let stored = store.stats_buckets(query.span, first, until).await?;
        let mut rooms = store.rooms_created(first, until).await?;
        rooms.sort_unstable();
        let support = store.support_threads(first, until.max(now)).await?;
        self.refresh_hotels(now, REFRESH).await?;
        let rates = store.hotel_rates().await?;
        let (waiting_now, _) = store.support_waiting().await?;
        let mut support_figures = figures::support(&support, query.period, now);
        support_figures.waiting_now = waiting_now;
        Ok(AdminStats {
            buckets: figures::buckets(query.span, query.period, &stored, &rooms, &support, now),
            support: support_figures,
            hotels: figures::hotels(&rates),
        })
    }

    /// `tigo_support_waiting`, `tigo_support_oldest_wait_seconds` (read from the database
    /// within a second; otherwise left out of the scrape) and
    /// `tigo_support_first_reply_seconds`.
    pub async fn render(&self, out: &mut String) {
        let lag = self.inner.store.stats_lag();
        if let Ok(Ok(lag)) = tokio::time::timeout(Duration::from_secs(1), lag).await {
            let _ = writeln!(
                out,
                "# HELP tigo_stats_lag_messages Stored messages the statistics follower has not counted yet (an upper bound).\n# TYPE tigo_stats_lag_messages gauge\ntigo_stats_lag_messages {lag}"
            );
        }
        let read = self.inner.store.support_waiting();
        if let Ok(Ok((waiting, oldest))) = tokio::time::timeout(Duration::from_secs(1), read).await
        {
            let oldest = oldest.map_or(0.0, |at| {
                (Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0
            });
            let _ = writeln!(
                out,
                "# HELP tigo_support_waiting Support threads waiting for a first reply.\n# TYPE tigo_support_waiting gauge\ntigo_support_waiting {waiting}"
            );
            let _ = writeln!(
                out,
                "# HELP tigo_support_oldest_wait_seconds How long the longest waiting support thread has waited; 0 when none waits.\n# TYPE tigo_support_oldest_wait_seconds gauge\ntigo_support_oldest_wait_seconds {oldest}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP tigo_support_first_reply_seconds Time from a support thread's first message to its first reply (found by this instance's statistics follower).\n# TYPE tigo_support_first_reply_seconds histogram"
        );
        self.inner
            .first_replies
            .render(out, "tigo_support_first_reply_seconds");
    }
}

#[cfg(test)]
mod tests;
