//! The wire types of response statistics (contract v3): a hotel's response figures as guests
//! see them, and the service's activity, support and hotel figures as Admins see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /chat/hotels/:hotelId/response-stats`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseStats {
    pub hotel_id: Uuid,
    /// 30, or 90 when the last 30 days hold fewer than 10 threads (then the 10 most recent
    /// threads of the last 90 days count).
    pub window_days: u32,
    /// Guest threads counted: answered, or unanswered for 24 h or more.
    pub threads: u32,
    pub responded_within_24h: u32,
    /// `responded_within_24h / threads`; null with no thread.
    pub response_rate: Option<f64>,
    /// Median time to the response over the counted threads that have one, whole seconds;
    /// null when none has.
    pub median_response_seconds: Option<i64>,
    /// `within an hour`, `within a few hours`, `within a day`, `a few days or more`; null under
    /// 3 threads.
    pub label: Option<String>,
}

/// `GET /chat/admin/stats`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminStats {
    pub buckets: Vec<StatsBucket>,
    pub support: SupportStats,
    pub hotels: HotelsStats,
}

/// One hour or day (UTC) of the period.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsBucket {
    pub start: DateTime<Utc>,
    pub messages: i64,
    /// Distinct senders.
    pub active_senders: i64,
    /// Rooms created.
    pub new_rooms: i64,
    /// Support threads waiting for a first reply at the bucket's end (now, for the bucket
    /// holding now). An addition to the contract, for the support queue's chart.
    pub support_waiting: i64,
}

/// Support threads of the period.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportStats {
    /// Counted support threads started in the period.
    pub threads: i64,
    pub first_reply_seconds: FirstReply,
    /// Support threads waiting for a first reply now (whatever the period).
    pub waiting_now: i64,
}

/// Median and 90th percentile (nearest rank) of first reply times, whole seconds.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstReply {
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

/// Every hotel's response figures as guests see them now (whatever the period).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotelsStats {
    /// Hotels with at least one counted thread in their window.
    pub count: i64,
    /// The median of their response rates; null with none.
    pub median_response_rate: Option<f64>,
}
