//! A joined room's gate on one connection: whether its live events go straight out or wait
//! (for the client to hear it is connected, or for a `join_room {lastMessageId}` replay), and
//! which message ids a replay must skip. Pure state: the connection (`Conn`) emits
//! what the gate lets through, under its lock, so the order is kept.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::value::RawValue;
use uuid::Uuid;

use crate::bus::RoomEvent;

/// Ids of messages a freshly auto-joined connection received (live, or replayed by recovery),
/// remembered (up to this many per room) so a replay requested right after connecting skips
/// them.
pub(crate) const RECENT_IDS: usize = 64;

/// One event on its way to connections, encoded once as JSON text.
#[derive(Clone)]
pub struct Outgoing {
    pub event: RoomEvent,
    pub data: Arc<RawValue>,
    /// For `new_message`: its id (replay de-duplication) and sender (receipts).
    pub message_id: Option<Uuid>,
    /// Its position in its room's event log, for logged events (connection state recovery).
    pub seq: Option<i64>,
}

/// How a joined room delivers to this connection.
pub(crate) enum Gate {
    /// Joined while the client is still being told it is connected: events wait here and go
    /// out, in order, the moment it is. `sent`: messages a recovery replay already sent.
    Connecting {
        pending: Vec<Outgoing>,
        sent: Vec<Uuid>,
    },
    /// Joined at connect; remembers the first live message ids.
    Fresh { recent: Vec<Uuid> },
    /// Joined by `join_room`: everything goes straight out.
    Live,
    /// A replay is running: live events wait here, in order.
    Replaying { pending: Vec<Outgoing> },
}

/// What the gate does with a live event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pass {
    /// Emit it now.
    Emit,
    /// Held: it goes out when the gate opens.
    Held,
    /// Too many wait already: the connection cannot keep up and is cut off.
    Overflow,
}

impl Gate {
    pub(crate) fn connecting() -> Gate {
        Gate::Connecting {
            pending: Vec::new(),
            sent: Vec::new(),
        }
    }

    /// A live event reaches the gate.
    pub(crate) fn pass(&mut self, out: &Outgoing, max_pending: usize) -> Pass {
        match self {
            Gate::Connecting { pending, .. } | Gate::Replaying { pending } => {
                if pending.len() >= max_pending {
                    return Pass::Overflow;
                }
                pending.push(out.clone());
                Pass::Held
            }
            Gate::Fresh { recent } => {
                if let Some(id) = out.message_id
                    && recent.len() < RECENT_IDS
                {
                    recent.push(id);
                }
                Pass::Emit
            }
            Gate::Live => Pass::Emit,
        }
    }

    /// The client heard it is connected: a connecting gate becomes fresh (remembering what
    /// recovery replayed and what it held, as received) and returns what it held, in order.
    pub(crate) fn open(&mut self) -> Vec<Outgoing> {
        let Gate::Connecting { pending, sent } = self else {
            return Vec::new();
        };
        let pending = std::mem::take(pending);
        let recent = std::mem::take(sent)
            .into_iter()
            .chain(pending.iter().filter_map(|o| o.message_id))
            .take(RECENT_IDS)
            .collect();
        *self = Gate::Fresh { recent };
        pending
    }

    /// Notes a message the recovery replay sent before the client heard it is connected.
    pub(crate) fn replayed_at_connect(&mut self, id: Uuid) {
        if let Gate::Connecting { sent, .. } = self
            && sent.len() < RECENT_IDS
        {
            sent.push(id);
        }
    }

    /// A replay starts: live events wait from now on. Returns the ids the replay must skip
    /// (received already). A gate still connecting keeps what it holds (it goes out after the
    /// replay) and the replay skips both that and what recovery sent.
    pub(crate) fn begin_replay(gate: Option<&mut Gate>) -> (Gate, HashSet<Uuid>) {
        match gate.map(|g| std::mem::replace(g, Gate::Live)) {
            Some(Gate::Fresh { recent }) => (Gate::replaying(), recent.into_iter().collect()),
            Some(Gate::Connecting { pending, sent }) => {
                let skip = sent
                    .into_iter()
                    .chain(pending.iter().filter_map(|o| o.message_id))
                    .collect();
                (Gate::Replaying { pending }, skip)
            }
            Some(replaying @ Gate::Replaying { .. }) => (replaying, HashSet::new()),
            Some(Gate::Live) | None => (Gate::replaying(), HashSet::new()),
        }
    }

    fn replaying() -> Gate {
        Gate::Replaying {
            pending: Vec::new(),
        }
    }

    /// A replay ended: the gate goes live; returns what waited, minus the messages the
    /// replay sent itself.
    pub(crate) fn end_replay(&mut self, replayed: &HashSet<Uuid>) -> Vec<Outgoing> {
        match std::mem::replace(self, Gate::Live) {
            Gate::Replaying { pending } => pending
                .into_iter()
                .filter(|out| !out.message_id.is_some_and(|id| replayed.contains(&id)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
