//! The tasks an instance runs beside requests, each on the state's tracker and stopped by its
//! token: follow-ups, sweeps, recovery upkeep, watchers and (with Redis) the bus feeds.

use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;

use crate::bus::Envelope;
use crate::delivery::events::Followup;
use crate::state::AppState;

/// What startup hands from the bus to the tasks that follow it (Redis only).
pub(super) struct RedisFeeds {
    pub(super) incoming: mpsc::Receiver<Envelope>,
    pub(super) resubscribed: mpsc::Receiver<()>,
}

/// The tasks that run beside requests: follow-ups, sweeps, recovery upkeep, watchers and
/// (with Redis) the bus feeds. Each is on the state's tracker and stops on its token.
pub(super) async fn start_tasks(
    state: &AppState,
    followups: mpsc::Receiver<Followup>,
    feeds: Option<RedisFeeds>,
) -> anyhow::Result<()> {
    let tasks = &state.tasks;
    let to = crate::delivery::followups::Followups {
        presence: state.presence.clone(),
        bus: state.events.bus().clone(),
        notifications: state.notifications.clone(),
    };
    tasks.spawn(crate::delivery::followups::run(
        to,
        followups,
        state.shutdown.clone(),
    ));
    tasks.spawn(sweep(state.clone()));
    tasks.spawn(crate::realtime::recovery::maintain(
        state.clone(),
        state.shutdown.clone(),
    ));
    tasks.spawn(sweep_uploads(state.clone()));
    tasks.spawn(crate::user_watch::run(state.clone()));
    if let Some(every) = state.config.search_follow_every {
        let store = state.store.clone();
        tasks.spawn(crate::follow::search(store, every, state.shutdown.clone()));
    }
    state
        .notify
        .spawn(state.presence.clone(), (tasks, state.shutdown.clone()));
    state.stats.spawn(
        state.config.stats_follow_every,
        (tasks, state.shutdown.clone()),
    );
    crate::chat::safety::blocklist::load(state)
        .await
        .context("reading the blocked terms")?;
    tasks.spawn(crate::chat::safety::blocklist::run(state.clone()));
    if let Some(feeds) = feeds {
        tasks.spawn(forward_remote(state.clone(), feeds.incoming));
        tasks.spawn(resync_presence(state.clone(), feeds.resubscribed));
    }
    Ok(())
}

/// Delivers what other instances published to this instance's connections.
async fn forward_remote(state: AppState, mut incoming: mpsc::Receiver<Envelope>) {
    while let Some(Some(envelope)) = state.shutdown.run_until_cancelled(incoming.recv()).await {
        state.events.remote(envelope);
    }
}

/// After Redis comes back, republishes who is online here (its keys may be gone) and forgets
/// rooms' members (a change announced while the bus was down was not heard).
async fn resync_presence(state: AppState, mut resubscribed: mpsc::Receiver<()>) {
    while let Some(Some(())) = state
        .shutdown
        .run_until_cancelled(resubscribed.recv())
        .await
    {
        state.events.members().clear();
        state.presence.resync();
    }
}

/// Every 30 s, drops connections whose socket went away unnoticed (belt and braces: the
/// disconnect handler normally does it).
async fn sweep(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(30));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = state.shutdown.cancelled() => return,
        }
        state.limits.sweep();
        for conn in state.events.hub().sweep() {
            tracing::debug!(user_id = %conn.user_id, "swept a stale connection");
            state
                .presence
                .changed(conn.user_id, conn.joined_rooms())
                .await;
        }
    }
}

/// Removes uploads never sent once they are older than `UNATTACHED_UPLOAD_TTL`. Every
/// instance sweeps; each upload is removed by one of them.
async fn sweep_uploads(state: AppState) {
    let mut every = tokio::time::interval(state.files.config.sweep_every);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = state.shutdown.cancelled() => return,
        }
        match crate::files::sweep_unattached(&state.files, state.store.as_ref()).await {
            Ok(removed) if !removed.is_empty() => {
                state
                    .metrics
                    .files_removed
                    .fetch_add(removed.len() as u64, std::sync::atomic::Ordering::Relaxed);
                tracing::info!(count = removed.len(), "removed uploads never sent");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "the sweep of unsent uploads failed; retrying later"),
        }
    }
}
