//! The words a report's status and resolution are spelled with (shared by the wire types, the
//! OpenAPI schema and the clients).

/// `Report.status`, and the `?status=` filter of `GET /chat/admin/reports`.
pub mod report_status {
    pub const OPEN: &str = "open";
    pub const RESOLVED: &str = "resolved";
}

/// `ResolveBody.action`, and `Report.resolution` once resolved.
pub mod report_actions {
    pub const DISMISS: &str = "dismiss";
    pub const DELETE_MESSAGE: &str = "delete_message";
}
