//! The thread rules, pure (contract v3, "Response statistics"): a writer's message starts a
//! thread when the room's previous message is an answer, is more than 24 h older, or does not
//! exist; the first answer after it is its response. [`Fold`] applies them to a follower step's
//! messages, room by room, and says what to store.

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use uuid::Uuid;

use crate::db::stats::{Part, RoomState, Span, StatsMessage, StatsStep, Thread};

/// Silence after which a writer's message starts a new thread even without an answer.
pub const SILENCE: Duration = Duration::hours(24);

/// What one message did to its room's threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A thread started with this message.
    Started,
    /// The open thread `id`, started at `started`, got its response.
    Answered { id: Uuid, started: DateTime<Utc> },
    /// The open thread `id` was replaced, unanswered, by one this message started.
    Replaced { id: Uuid },
}

/// Places a message of `part`, sent `at`, after `state`: the room's state after it and what it
/// did (at most a replacement and a start).
pub fn place(
    state: Option<RoomState>,
    id: Uuid,
    at: DateTime<Utc>,
    part: Part,
) -> (RoomState, Vec<Change>) {
    let mut changes = Vec::new();
    let open = state.and_then(|s| s.open);
    let open = match part {
        Part::Writer => {
            let starts = match state {
                None => true,
                Some(s) => s.last_part == Part::Answer || at - s.last_at > SILENCE,
            };
            if starts {
                if let Some((old, _)) = open {
                    changes.push(Change::Replaced { id: old });
                }
                changes.push(Change::Started);
                Some((id, at))
            } else {
                open
            }
        }
        Part::Answer => {
            if let Some((thread, started)) = open {
                changes.push(Change::Answered {
                    id: thread,
                    started,
                });
            }
            None
        }
    };
    let next = RoomState {
        last_at: at,
        last_part: part,
        open,
    };
    (next, changes)
}

/// The start of the UTC hour or day holding `at`.
pub fn bucket_of(span: Span, at: DateTime<Utc>) -> DateTime<Utc> {
    let unit = match span {
        Span::Hour => Duration::hours(1),
        Span::Day => Duration::days(1),
    };
    at.duration_trunc(unit).unwrap_or(at)
}

/// A step's outcome, built message by message.
#[derive(Debug, Default)]
pub struct Fold {
    states: HashMap<Uuid, RoomState>,
    /// Threads first seen in this fold, by id, and their order.
    started: HashMap<Uuid, Thread>,
    order: Vec<Uuid>,
    step: StatsStep,
    touched: Vec<Uuid>,
    /// Support responses found: their times in seconds.
    pub support_replies: Vec<f64>,
}

impl Fold {
    /// A fold that starts from the stored states of the rooms.
    pub fn new(rooms: Vec<(Uuid, RoomState)>) -> Fold {
        Fold {
            states: rooms.into_iter().collect(),
            ..Fold::default()
        }
    }

    /// Counts a message in its hour and day buckets, and its sender in them.
    pub fn count(&mut self, message: &StatsMessage) {
        for span in [Span::Hour, Span::Day] {
            let start = bucket_of(span, message.at);
            match self
                .step
                .buckets
                .iter_mut()
                .find(|(s, at, _)| *s == span && *at == start)
            {
                Some((_, _, n)) => *n += 1,
                None => self.step.buckets.push((span, start, 1)),
            }
            let sender = (span, start, message.sender);
            if !self.step.senders.contains(&sender) {
                self.step.senders.push(sender);
            }
        }
    }

    /// Places a message in its room's threads.
    pub fn place(&mut self, message: &StatsMessage) {
        let Some(part) = message.part else { return };
        let state = self.states.get(&message.room).copied();
        let (next, changes) = place(state, message.id, message.at, part);
        for change in changes {
            self.apply(message, change);
        }
        if !self.touched.contains(&message.room) {
            self.touched.push(message.room);
        }
        self.states.insert(message.room, next);
    }

    fn apply(&mut self, message: &StatsMessage, change: Change) {
        if let Some(hotel) = message.hotel
            && !self.step.hotels.contains(&hotel)
        {
            self.step.hotels.push(hotel);
        }
        match change {
            Change::Started => {
                self.order.push(message.id);
                self.started.insert(
                    message.id,
                    Thread {
                        id: message.id,
                        room: message.room,
                        hotel: message.hotel,
                        kind: message.kind,
                        started_at: message.at,
                        responded_at: None,
                        closed_at: None,
                    },
                );
            }
            Change::Answered { id, started } => {
                if message.kind == crate::db::stats::ThreadKind::Support {
                    let seconds = (message.at - started).num_milliseconds() as f64 / 1000.0;
                    self.support_replies.push(seconds);
                }
                match self.started.get_mut(&id) {
                    Some(thread) => thread.responded_at = Some(message.at),
                    None => {
                        let micros = (message.at - started)
                            .num_microseconds()
                            .unwrap_or(i64::MAX);
                        self.step.answered.push((id, message.at, micros));
                    }
                }
            }
            Change::Replaced { id } => match self.started.get_mut(&id) {
                Some(thread) => thread.closed_at = Some(message.at),
                None => self.step.closed.push((id, message.at)),
            },
        }
    }

    /// The threads and final states of the rooms this fold saw.
    pub fn threads_and_states(&mut self) -> (Vec<Thread>, Vec<(Uuid, RoomState)>) {
        let threads = self
            .order
            .iter()
            .filter_map(|id| self.started.remove(id))
            .collect();
        let states = self
            .touched
            .iter()
            .filter_map(|room| self.states.get(room).map(|s| (*room, *s)))
            .collect();
        (threads, states)
    }

    /// The step to apply: moves the position `from` → `to`.
    pub fn into_step(mut self, from: i64, to: i64) -> (StatsStep, Vec<f64>) {
        let (started, rooms) = self.threads_and_states();
        let mut step = self.step;
        step.from = from;
        step.to = to;
        step.started = started;
        step.rooms = rooms;
        (step, self.support_replies)
    }
}
