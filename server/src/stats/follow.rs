//! The statistics follower: after messages are stored, places each in its room's threads and
//! counts it in its hour and day, and recomputes the threads of rooms that lost messages, all
//! applied with its position in one transaction (`StatsStore::stats_apply`), so a restart or
//! `kill -9` resumes without losing or counting twice, and with several instances each message
//! is counted once.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::Stats;
use super::threads::Fold;
use crate::db::StoreResult;
use crate::db::stats::{Recomputed, StatsStep};

/// Message numbers one step covers at most.
const BATCH: i64 = 500;
/// Rooms that lost messages, recomputed per step at most.
const DIRTY: i64 = 20;
/// Hotels' figures one refresh recomputes at most.
const HOTELS: i64 = 200;
/// After a failed step (the database away), before the next.
const RETRY: Duration = Duration::from_secs(1);

/// Runs steps until `shutdown`: back to back while messages remain, every `every` otherwise.
pub(super) async fn run(stats: Stats, every: Duration, shutdown: CancellationToken) {
    let mut pause = Duration::ZERO;
    loop {
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = shutdown.cancelled() => return,
        }
        let step = tokio::select! {
            step = stats.step() => step,
            () = shutdown.cancelled() => return,
        };
        pause = match step {
            Ok((_, true)) => Duration::ZERO,
            Ok((_, false)) => every,
            Err(err) => {
                tracing::warn!(%err, "the statistics follower's step failed; retrying");
                RETRY
            }
        };
    }
}

/// Every second, brings due hotels' figures up to date (back to back while many are due).
pub(super) async fn refresh(stats: Stats, shutdown: CancellationToken) {
    let mut pause = Duration::ZERO;
    loop {
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = shutdown.cancelled() => return,
        }
        let done = tokio::select! {
            done = stats.refresh_hotels(chrono::Utc::now(), HOTELS) => done,
            () = shutdown.cancelled() => return,
        };
        pause = match done {
            Ok(n) if n as i64 == HOTELS => Duration::ZERO,
            Ok(_) => Duration::from_secs(1),
            Err(err) => {
                tracing::warn!(%err, "refreshing hotels' response figures failed; retrying");
                RETRY
            }
        };
    }
}

impl Stats {
    /// One step: the messages it covered, and whether more work waits (committed messages past
    /// it, rooms to recompute, or another instance moved first).
    pub(super) async fn step(&self) -> StoreResult<(u64, bool)> {
        let store = &self.inner.store;
        let dirty = store.stats_dirty(DIRTY).await?;
        let batch = store.stats_batch(BATCH).await?;
        if batch.is_none() && dirty.is_empty() {
            return Ok((0, false));
        }
        let (mut step, replies, covered, more) = match batch {
            Some(batch) => {
                let mut fold = Fold::new(batch.rooms);
                for message in &batch.messages {
                    fold.count(message);
                    fold.place(message);
                }
                let (step, replies) = fold.into_step(batch.position, batch.upto);
                (step, replies, batch.messages.len() as u64, batch.more)
            }
            None => {
                let position = store.stats_position().await?;
                let step = StatsStep {
                    from: position,
                    to: position,
                    ..StatsStep::default()
                };
                (step, Vec::new(), 0, false)
            }
        };
        for (room, version) in &dirty {
            let recomputed = self.recompute(*room, *version, step.to).await?;
            for hotel in recomputed.threads.iter().filter_map(|t| t.hotel) {
                if !step.hotels.contains(&hotel) {
                    step.hotels.push(hotel);
                }
            }
            step.recomputed.push(recomputed);
        }
        let applied = store.stats_apply(&step).await?;
        if applied {
            for seconds in replies {
                self.inner.first_replies.observe(seconds);
            }
        }
        let more = more || !applied || dirty.len() as i64 == DIRTY;
        Ok((if applied { covered } else { 0 }, more))
    }

    /// A room's threads from its messages up to `upto` (it lost some).
    async fn recompute(
        &self,
        room: uuid::Uuid,
        version: i64,
        upto: i64,
    ) -> StoreResult<Recomputed> {
        let messages = self.inner.store.stats_room_messages(room, upto).await?;
        let mut fold = Fold::new(Vec::new());
        for message in &messages {
            fold.place(message);
        }
        let (threads, mut states) = fold.threads_and_states();
        Ok(Recomputed {
            room,
            version,
            threads,
            state: states.pop().map(|(_, state)| state),
        })
    }

    /// Forgets every figure and recomputes them from the stored messages, step by step (the
    /// follower's own code from the first message); returns how many messages it went through.
    pub async fn rebuild(&self) -> StoreResult<u64> {
        self.inner.store.stats_reset().await?;
        let mut covered = 0;
        loop {
            let (n, more) = self.step().await?;
            covered += n;
            if !more {
                break;
            }
        }
        while self.refresh_hotels(chrono::Utc::now(), HOTELS).await? as i64 == HOTELS {}
        Ok(covered)
    }
}
