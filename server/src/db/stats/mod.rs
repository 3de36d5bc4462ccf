//! Storage of response statistics (contract v3): the statistics follower's steps over the
//! stored messages ([`StatsStore`], in `follow`: a batch past its position with each message's
//! place in its room's threads; what a step decided, applied with the position in one
//! transaction) and the figures' reads ([`StatsReadStore`], in `read`). Written once for both dialects; see
//! `migrations/*/0018_response_stats.sql`. The rules that turn messages into threads are the
//! service's; the store only keeps and reads their outcome.

mod follow;
mod read;
mod write;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreResult;

/// Which threads a room's messages make: a hotel's (guest side asks, hotel side answers) or
/// support's (customer or hotel side asks, support answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadKind {
    Hotel,
    Support,
}

impl ThreadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadKind::Hotel => "hotel",
            ThreadKind::Support => "support",
        }
    }
}

/// A message's part in its room's threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The side that asks: may start a thread.
    Writer,
    /// The side that answers: may be a thread's response.
    Answer,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Writer => "writer",
            Part::Answer => "answer",
        }
    }

    fn parse(text: &str) -> Option<Part> {
        match text {
            "writer" => Some(Part::Writer),
            "answer" => Some(Part::Answer),
            _ => None,
        }
    }
}

/// A stored message as the statistics follower sees it.
#[derive(Debug, Clone)]
pub struct StatsMessage {
    pub seq: i64,
    pub id: Uuid,
    pub room: Uuid,
    pub sender: Uuid,
    pub at: DateTime<Utc>,
    /// The room's hotel (`customer_hotel_owner` rooms that carry one).
    pub hotel: Option<Uuid>,
    pub kind: ThreadKind,
    /// `None`: a side the room's threads ignore (support stepping into a hotel's room, or a
    /// sender who is no longer a member).
    pub part: Option<Part>,
}

/// What the follower keeps of a room between messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomState {
    /// The last message that took part in the room's threads.
    pub last_at: DateTime<Utc>,
    pub last_part: Part,
    /// The thread waiting for its response, and when it started.
    pub open: Option<(Uuid, DateTime<Utc>)>,
}

/// A thread as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// The message that started it.
    pub id: Uuid,
    pub room: Uuid,
    pub hotel: Option<Uuid>,
    pub kind: ThreadKind,
    pub started_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    /// When a newer thread of the room replaced it before any response.
    pub closed_at: Option<DateTime<Utc>>,
}

/// A thread's times, what the figures are computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadTimes {
    pub started_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Bucket spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Hour,
    Day,
}

impl Span {
    pub fn as_str(self) -> &'static str {
        match self {
            Span::Hour => "hour",
            Span::Day => "day",
        }
    }
}

/// One step's input: messages `(position, upto]` and the stored states of their rooms.
#[derive(Debug, Clone, Default)]
pub struct StatsBatch {
    pub position: i64,
    pub upto: i64,
    /// Committed messages past `upto` wait for the next step.
    pub more: bool,
    pub messages: Vec<StatsMessage>,
    pub rooms: Vec<(Uuid, RoomState)>,
}

/// A room whose messages were deleted, recomputed from what remains.
#[derive(Debug, Clone)]
pub struct Recomputed {
    pub room: Uuid,
    /// The deletion mark's version the recomputation read (a newer mark stays).
    pub version: i64,
    pub threads: Vec<Thread>,
    pub state: Option<RoomState>,
}

/// What one step decided: applied whole, with the move of the position from `from` to `to`.
#[derive(Debug, Clone, Default)]
pub struct StatsStep {
    pub from: i64,
    pub to: i64,
    /// Threads first seen in this step (with their response or closing when it came in the
    /// same step).
    pub started: Vec<Thread>,
    /// Earlier threads answered: `(id, at, response in microseconds)`.
    pub answered: Vec<(Uuid, DateTime<Utc>, i64)>,
    /// Earlier threads a newer one replaced: `(id, at)`.
    pub closed: Vec<(Uuid, DateTime<Utc>)>,
    pub rooms: Vec<(Uuid, RoomState)>,
    /// `(span, start, messages)`.
    pub buckets: Vec<(Span, DateTime<Utc>, i64)>,
    /// `(span, start, sender)`, each once.
    pub senders: Vec<(Span, DateTime<Utc>, Uuid)>,
    pub recomputed: Vec<Recomputed>,
    /// Hotels whose threads changed: their figures are due again.
    pub hotels: Vec<Uuid>,
}

/// A hotel's figures as stored: counted threads, answered within 24 h, and until when they
/// hold by time alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HotelFigures {
    pub threads: i64,
    pub within: i64,
    pub valid_until: DateTime<Utc>,
}

/// A bucket's stored counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketCounts {
    pub start: DateTime<Utc>,
    pub messages: i64,
    pub active_senders: i64,
}

/// The statistics follower's steps.
#[async_trait]
pub trait StatsStore: Send + Sync {
    /// Messages past the follower's position (at most `limit`) with their rooms' states;
    /// `None` when it holds every committed message.
    async fn stats_batch(&self, limit: i64) -> StoreResult<Option<StatsBatch>>;

    /// The follower's position.
    async fn stats_position(&self) -> StoreResult<i64>;

    /// Message numbers past the follower's position (an upper bound, as search's lag).
    async fn stats_lag(&self) -> StoreResult<i64>;

    /// Rooms that lost messages, `(room, mark version)`, at most `limit`.
    async fn stats_dirty(&self, limit: i64) -> StoreResult<Vec<(Uuid, i64)>>;

    /// A room's messages up to `upto`, in order.
    async fn stats_room_messages(&self, room: Uuid, upto: i64) -> StoreResult<Vec<StatsMessage>>;

    /// Applies a step, only if the position is still `step.from`; `false`: another instance
    /// moved it first, nothing applied.
    async fn stats_apply(&self, step: &StatsStep) -> StoreResult<bool>;

    /// Forgets every figure and moves the position back to the first message.
    async fn stats_reset(&self) -> StoreResult<()>;
}

/// The reads behind the figures: one hotel's threads, a period's buckets and threads.
#[async_trait]
pub trait StatsReadStore: Send + Sync {
    /// A hotel's threads started after `since`, newest first.
    async fn hotel_threads(
        &self,
        hotel: Uuid,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<ThreadTimes>>;

    /// Per hotel with counted threads, `(threads, answered within 24 h)` as guests see them.
    async fn hotel_rates(&self) -> StoreResult<Vec<(i64, i64)>>;

    /// Hotels whose figures are due at `now` (their threads changed, or time changed them),
    /// `(hotel, version)`, at most `limit`.
    async fn due_hotels(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<(Uuid, i64)>>;

    /// Stores a hotel's figures computed at `version`; false when its threads changed since.
    async fn put_hotel_figures(
        &self,
        hotel: Uuid,
        version: i64,
        figures: HotelFigures,
    ) -> StoreResult<bool>;

    /// Stored buckets of `span` in `[since, until)`, in order (missing ones had no message).
    async fn stats_buckets(
        &self,
        span: Span,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<BucketCounts>>;

    /// When the rooms created in `[since, until)` were created.
    async fn rooms_created(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<DateTime<Utc>>>;

    /// Support threads that were open at some time in `[since, until)`: started before
    /// `until`, not answered or closed before `since`.
    async fn support_threads(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<ThreadTimes>>;

    /// Support threads waiting for a first reply now: how many, and the oldest one's start.
    async fn support_waiting(&self) -> StoreResult<(i64, Option<DateTime<Utc>>)>;
}
