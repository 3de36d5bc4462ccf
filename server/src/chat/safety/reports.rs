//! Message reports: any user who may read a room reports one of its messages; Admins list the
//! reports and resolve them (dismiss, or delete the message as an Admin delete would). Every
//! report and resolution is audited.

use serde_json::{Value, json};
use tigo_common::{Report, ReportEntry, ReportList, User, report_actions, report_status};
use uuid::Uuid;

use crate::chat::validate::{self, Params, Problems};
use crate::chat::{is_admin, room_access};
use crate::db::{AuditEntry, NewReport};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Longest reason, in characters.
const MAX_REASON: usize = 500;

pub const ACTIONS: [&str; 2] = [report_actions::DISMISS, report_actions::DELETE_MESSAGE];

fn admin_only(caller: &User) -> AppResult<()> {
    if is_admin(caller) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only admins can handle reports".into()))
    }
}

fn reason(body: &Value) -> AppResult<String> {
    let obj = validate::object(body)?;
    match obj.get("reason") {
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= MAX_REASON => {
            Ok(s.trim().to_owned())
        }
        Some(Value::String(s)) if !s.trim().is_empty() => Err(AppError::validation(format!(
            "reason must be shorter than or equal to {MAX_REASON} characters"
        ))),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(AppError::validation("reason should not be empty"))
        }
        Some(_) => Err(AppError::validation("reason must be a string")),
    }
}

/// `POST /chat/messages/:id/report`: the report and whether it is new (201) or the caller's
/// open one (200).
pub async fn report(
    state: &AppState,
    caller: &User,
    message_id: Uuid,
    body: &Value,
) -> AppResult<(Report, bool)> {
    let reason = reason(body)?;
    let message = state
        .store
        .message(message_id)
        .await?
        .ok_or_else(|| AppError::NotFound("Message not found".into()))?;
    room_access(state, caller, message.chat_room_id).await?;
    let (report, created) = state
        .store
        .report_message(&NewReport {
            id: Uuid::now_v7(),
            message_id,
            room_id: message.chat_room_id,
            reporter_id: caller.id,
            reason,
            at: chrono::Utc::now(),
        })
        .await?;
    if created {
        crate::chat::audit(
            state,
            AuditEntry {
                actor: Some(caller.id),
                action: "report.create",
                room: Some(report.room_id),
                message: Some(message_id),
                target_user: Some(message.sender_id),
                detail: json!({ "report_id": report.id }),
            },
        )
        .await;
    }
    Ok((report, created))
}

/// `GET /chat/admin/reports?status=open|resolved&limit=`: oldest first, each with its message.
pub async fn list(state: &AppState, caller: &User, params: &Params) -> AppResult<ReportList> {
    admin_only(caller)?;
    let mut p = Problems::default();
    let limit = validate::int_param(params, "limit", 100, 1, 500, &mut p);
    let status = match params.get("status").map(String::as_str) {
        None => None,
        Some(s @ (report_status::OPEN | report_status::RESOLVED)) => Some(s),
        Some(_) => {
            p.push("status must be one of the following values: open, resolved");
            None
        }
    };
    p.finish()?;
    let (reports, total) = state.store.list_reports(status, i64::from(limit)).await?;
    let mut entries = Vec::with_capacity(reports.len());
    for report in reports {
        let message = state.store.message(report.message_id).await?;
        entries.push(ReportEntry { report, message });
    }
    Ok(ReportList {
        reports: entries,
        total,
    })
}

/// `POST /chat/admin/reports/:id/resolve {action}`.
pub async fn resolve(state: &AppState, caller: &User, id: Uuid, body: &Value) -> AppResult<Report> {
    admin_only(caller)?;
    let obj = validate::object(body)?;
    let action = match obj.get("action") {
        Some(Value::String(a)) if ACTIONS.contains(&a.as_str()) => a.clone(),
        _ => {
            return Err(AppError::validation(
                "action must be one of the following values: dismiss, delete_message",
            ));
        }
    };
    resolve_as(state, caller, id, &action).await
}

/// Resolves a report as `caller` (REST, and the terminal client through REST).
pub async fn resolve_as(
    state: &AppState,
    caller: &User,
    id: Uuid,
    action: &str,
) -> AppResult<Report> {
    let report = state
        .store
        .report(id)
        .await?
        .ok_or_else(|| AppError::NotFound("Report not found".into()))?;
    if report.status != report_status::OPEN {
        return Err(AppError::Conflict("Report is already resolved".into()));
    }
    if action == report_actions::DELETE_MESSAGE {
        match crate::chat::removal::delete(state, caller, report.message_id).await {
            // Deleted meanwhile: the resolution still stands.
            Ok(_) | Err(AppError::NotFound(_)) => {}
            Err(err) => return Err(err),
        }
    }
    let resolved = state
        .store
        .resolve_report(id, action, caller.id, chrono::Utc::now())
        .await?
        .ok_or_else(|| AppError::Conflict("Report is already resolved".into()))?;
    crate::chat::audit(
        state,
        AuditEntry {
            actor: Some(caller.id),
            action: "report.resolve",
            room: Some(resolved.room_id),
            message: Some(resolved.message_id),
            target_user: Some(resolved.reporter_id),
            detail: json!({ "report_id": resolved.id, "action": action }),
        },
    )
    .await;
    Ok(resolved)
}
