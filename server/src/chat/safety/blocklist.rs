//! Blocked terms are kept in the database (every instance shares them), read into memory
//! ([`crate::moderation::terms`]) and re-read every [`EVERY`], so a change made anywhere
//! (`tigo-chat admin blocklist`, another instance) applies on every instance within a second,
//! with or without Redis.

use std::time::Duration;

use crate::state::AppState;

/// How often every instance re-reads the terms.
pub const EVERY: Duration = Duration::from_millis(250);

/// Loads the terms now; the server starts only with them in force.
pub async fn load(state: &AppState) -> crate::db::StoreResult<()> {
    let terms = state.store.blocked_terms().await?;
    state.safety.blocklist.set(&terms);
    Ok(())
}

/// Re-reads the terms until shutdown; a failed read keeps the terms in force.
pub async fn run(state: AppState) {
    let mut every = tokio::time::interval(EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = state.shutdown.cancelled() => return,
        }
        if let Err(err) = load(&state).await {
            tracing::debug!(%err, "could not read the blocked terms");
        }
    }
}
