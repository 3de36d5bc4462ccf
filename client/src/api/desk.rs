//! The safety and support-desk endpoints: reports, their resolution, room assignment and
//! saved replies.

use tigo_common::{
    AssignBody, Report, ReportBody, ReportEntry, ReportList, ResolveBody, Room, SavedReplies,
    SavedReply,
};
use uuid::Uuid;

use super::{Api, ApiError};

impl Api {
    /// `POST /chat/messages/:id/report`.
    pub async fn report(&self, message: Uuid, reason: &str) -> Result<Report, ApiError> {
        self.call(
            reqwest::Method::POST,
            &format!("/chat/messages/{message}/report"),
            Some(&ReportBody {
                reason: reason.to_string(),
            }),
        )
        .await
    }

    /// `GET /chat/admin/reports?status=…` (Admin only), oldest first.
    pub async fn reports(&self, status: &str) -> Result<Vec<ReportEntry>, ApiError> {
        let list: ReportList = self
            .call::<(), _>(
                reqwest::Method::GET,
                &format!("/chat/admin/reports?status={status}"),
                None,
            )
            .await?;
        Ok(list.reports)
    }

    /// `POST /chat/admin/reports/:id/resolve` (Admin only): `dismiss` or `delete_message`.
    pub async fn resolve_report(&self, report: Uuid, action: &str) -> Result<Report, ApiError> {
        self.call(
            reqwest::Method::POST,
            &format!("/chat/admin/reports/{report}/resolve"),
            Some(&ResolveBody {
                action: action.to_string(),
            }),
        )
        .await
    }

    /// `POST /chat/rooms/:id/assign` (the caller, or `admin`) and, with `unassign`, `DELETE`.
    pub async fn assign(&self, room: Uuid, admin: Option<Uuid>) -> Result<Room, ApiError> {
        let body = AssignBody { admin_id: admin };
        self.call(
            reqwest::Method::POST,
            &format!("/chat/rooms/{room}/assign"),
            Some(&body),
        )
        .await
    }

    pub async fn unassign(&self, room: Uuid) -> Result<Room, ApiError> {
        self.call::<(), _>(
            reqwest::Method::DELETE,
            &format!("/chat/rooms/{room}/assign"),
            None,
        )
        .await
    }

    /// `GET /chat/admin/replies` (Admin only).
    pub async fn saved_replies(&self) -> Result<Vec<SavedReply>, ApiError> {
        let list: SavedReplies = self
            .call::<(), _>(reqwest::Method::GET, "/chat/admin/replies", None)
            .await?;
        Ok(list.replies)
    }
}
