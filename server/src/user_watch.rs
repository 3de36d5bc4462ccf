//! Changes to users made anywhere (`tigo-chat admin`, another instance) take effect here within
//! a poll: the cached copy is dropped, so REST sees the user as stored now, and live
//! connections that lost their right to stay open are closed.
//!
//! The database is the one thing every instance shares in every mode (embedded SQLite too), so
//! the change is read from there: no Redis needed, and nothing is missed while Redis is away.

use std::collections::HashMap;
use std::time::Duration;

use tigo_common::Role;
use uuid::Uuid;

use crate::db::UserRecord;
use crate::state::AppState;

/// How often to look; a change takes effect within this (plus one query).
const EVERY: Duration = Duration::from_millis(250);
/// How far back each look reaches: changes are found even when a poll is late or a commit
/// lands out of clock order.
const WINDOW: Duration = Duration::from_secs(10);

/// What a change is judged by: a user seen again unchanged is not acted on twice.
type Snapshot = (bool, Vec<Role>);

pub async fn run(state: AppState) {
    let mut seen: HashMap<Uuid, Snapshot> = HashMap::new();
    let mut every = tokio::time::interval(EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = state.shutdown.cancelled() => return,
        }
        let changed = match state.store.users_changed_within(WINDOW).await {
            Ok(changed) => changed,
            Err(err) => {
                tracing::debug!(%err, "could not look for changed users");
                continue;
            }
        };
        let mut now_seen = HashMap::with_capacity(changed.len());
        for record in changed {
            let snapshot = snapshot_of(&record);
            if seen.get(&record.user.id) != Some(&snapshot) {
                apply(&state, &record);
            } else if stale(&state, &record.user.id, &snapshot) {
                // A change and its undoing both fell between two looks (deactivated and
                // reactivated within one poll): what a request cached in between is stale,
                // and nothing else would drop it before its TTL.
                state.users.remove(&record.user.id);
            }
            now_seen.insert(record.user.id, snapshot);
        }
        seen = now_seen;
    }
}

fn snapshot_of(record: &UserRecord) -> Snapshot {
    (record.is_active, record.user.roles.clone())
}

/// Whether this instance caches `user` otherwise than the database now has it.
fn stale(state: &AppState, user: &Uuid, stored: &Snapshot) -> bool {
    state
        .users
        .get(user)
        .is_some_and(|cached| &snapshot_of(&cached) != stored)
}

/// Forgets the cached user and closes the connections it may no longer hold: every one of a
/// deactivated user, and those an Admin opened (which may read any room) once they are not.
fn apply(state: &AppState, record: &UserRecord) {
    let user = record.user.id;
    state.users.remove(&user);
    let is_admin = record.user.roles.contains(&Role::Admin);
    for conn in state.events.hub().user_conns(user) {
        let why = if !record.is_active {
            "deactivated"
        } else if conn.is_admin && !is_admin {
            "no longer an Admin"
        } else {
            continue;
        };
        tracing::info!(user_id = %user, why, "closing a connection of a changed user");
        let _ = conn.socket.clone().disconnect();
    }
}
