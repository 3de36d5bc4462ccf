//! Wire types of booking-platform safety and the support desk: reports, their resolutions,
//! saved replies, room assignment and the `room_assigned` event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::message::Message;

/// `POST /chat/messages/:id/report`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportBody {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reason: String,
}

/// A report of a message, open until an Admin resolves it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: Uuid,
    pub message_id: Uuid,
    /// The reported message's room (kept when the message is deleted).
    pub room_id: Uuid,
    pub reporter_id: Uuid,
    pub reason: String,
    /// `open` or `resolved`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::report_status))]
    pub status: String,
    /// `dismiss` or `delete_message` once resolved.
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = crate::schema::report_action))]
    pub resolution: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub resolved_by: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(with = "crate::time::rfc3339_opt")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::time::rfc3339")]
    pub created_at: DateTime<Utc>,
}

/// A report as `GET /chat/admin/reports` lists it: with the message (`null` once deleted).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportEntry {
    #[serde(flatten)]
    pub report: Report,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub message: Option<Message>,
}

/// `GET /chat/admin/reports`: oldest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportList {
    pub reports: Vec<ReportEntry>,
    pub total: i64,
}

/// `POST /chat/admin/reports/:id/resolve`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveBody {
    /// `dismiss` or `delete_message`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::report_action))]
    pub action: String,
}

/// `POST /chat/rooms/:id/assign`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AssignBody {
    /// An Admin; default: the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_id: Option<Uuid>,
}

/// `room_assigned`, to every Admin connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomAssigned {
    #[serde(rename = "roomId")]
    pub room_id: Uuid,
    #[serde(rename = "adminId")]
    pub admin_id: Option<Uuid>,
}

/// A saved reply shared by the Admins.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedReply {
    pub id: Uuid,
    pub name: String,
    pub text: String,
}

/// `POST /chat/admin/replies`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSavedReply {
    /// 1–64 letters, digits, `-`, `_` or `.` (what `/r NAME` types).
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")
    )]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 10000))]
    pub text: String,
}

/// `GET /chat/admin/replies`: by name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedReplies {
    pub replies: Vec<SavedReply>,
}
