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
            let id = record.user.id;
            let snapshot = snapshot_of(&record);
            let cached = state.users.get(&id).map(|cached| snapshot_of(&cached));
            match act(seen.get(&id), cached.as_ref(), &snapshot) {
                Act::Apply => apply(&state, &record),
                Act::DropCached => {
                    state.users.remove(&id);
                }
                Act::Nothing => {}
            }
            now_seen.insert(id, snapshot);
        }
        seen = now_seen;
    }
}

fn snapshot_of(record: &UserRecord) -> Snapshot {
    (record.is_active, record.user.roles.clone())
}

/// What one look does about a user changed lately.
#[derive(Debug, PartialEq)]
enum Act {
    /// Changed since the last look: forget the cached copy, close what it may not hold.
    Apply,
    /// Unchanged since the last look, yet cached otherwise: a change and its undoing both fell
    /// between two looks (deactivated and reactivated within one poll), and a request cached
    /// the user in between. Nothing else would drop that copy before its TTL.
    DropCached,
    Nothing,
}

fn act(seen: Option<&Snapshot>, cached: Option<&Snapshot>, stored: &Snapshot) -> Act {
    if seen != Some(stored) {
        Act::Apply
    } else if cached.is_some_and(|cached| cached != stored) {
        Act::DropCached
    } else {
        Act::Nothing
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIVE: (bool, Vec<Role>) = (true, Vec::new());
    const INACTIVE: (bool, Vec<Role>) = (false, Vec::new());

    #[test]
    fn a_change_since_the_last_look_is_applied() {
        assert_eq!(act(Some(&ACTIVE), Some(&ACTIVE), &INACTIVE), Act::Apply);
        assert_eq!(act(None, None, &ACTIVE), Act::Apply);
        let admin = (true, vec![Role::Admin]);
        assert_eq!(act(Some(&admin), None, &ACTIVE), Act::Apply);
    }

    #[test]
    fn a_change_undone_between_two_looks_drops_what_was_cached_in_between() {
        // Looked at active; deactivated, cached as inactive by a request, reactivated; the
        // next look sees active again.
        assert_eq!(
            act(Some(&ACTIVE), Some(&INACTIVE), &ACTIVE),
            Act::DropCached
        );
    }

    #[test]
    fn an_unchanged_user_cached_as_stored_is_left_alone() {
        assert_eq!(act(Some(&ACTIVE), Some(&ACTIVE), &ACTIVE), Act::Nothing);
        assert_eq!(act(Some(&INACTIVE), None, &INACTIVE), Act::Nothing);
    }
}
