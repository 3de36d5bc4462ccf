//! Safety and the support desk as operators manage them: blocked terms, reports (list,
//! resolve), saved replies. Running servers read blocked terms from the database within a
//! second; reports and replies are read on demand.

use serde_json::json;
use tigo_common::{MessageDeleted, Report, ReportEntry, SavedReply, report_actions, report_status};
use uuid::Uuid;

use super::{Admin, AdminError, AdminResult};
use crate::db;
use crate::moderation::terms::normalize;

impl Admin {
    pub async fn blocked_terms(&self) -> AdminResult<Vec<String>> {
        Ok(self.store.blocked_terms().await?)
    }

    /// Adds a term (stored lower-cased); false when it was there already.
    pub async fn block_term(&self, term: &str) -> AdminResult<(String, bool)> {
        let term = normalize(term)
            .ok_or_else(|| AdminError::Invalid("a term needs at least one word".into()))?;
        let added = self.store.add_blocked_term(&term).await?;
        if added {
            self.record(db::AuditEntry {
                action: "blocklist.add",
                detail: json!({ "term": term }),
                ..Default::default()
            })
            .await;
        }
        Ok((term, added))
    }

    pub async fn unblock_term(&self, term: &str) -> AdminResult<String> {
        let term = normalize(term)
            .ok_or_else(|| AdminError::Invalid("a term needs at least one word".into()))?;
        if !self.store.remove_blocked_term(&term).await? {
            return Err(AdminError::NotFound(format!("no blocked term {term:?}")));
        }
        self.record(db::AuditEntry {
            action: "blocklist.remove",
            detail: json!({ "term": term }),
            ..Default::default()
        })
        .await;
        Ok(term)
    }

    /// Reports with `status` (every one when `None`), oldest first, each with its message.
    pub async fn reports(&self, status: Option<&str>, limit: i64) -> AdminResult<Vec<ReportEntry>> {
        let (reports, _) = self.store.list_reports(status, limit).await?;
        let mut out = Vec::with_capacity(reports.len());
        for report in reports {
            let message = self.store.message(report.message_id).await?;
            out.push(ReportEntry { report, message });
        }
        Ok(out)
    }

    /// Resolves a report as the operator (`by`: an Admin, email or id, recorded as resolver).
    /// `delete_message` deletes the message; with Redis, running servers tell its room.
    pub async fn resolve_report(&self, id: Uuid, action: &str, by: &str) -> AdminResult<Report> {
        if !crate::chat::safety::reports::ACTIONS.contains(&action) {
            return Err(AdminError::Invalid(
                "action must be dismiss or delete_message".into(),
            ));
        }
        let admin = self.find_user(by).await?;
        if !admin.user.roles.contains(&tigo_common::Role::Admin) {
            return Err(AdminError::Invalid(format!("{by} is not an Admin")));
        }
        let report = self
            .store
            .report(id)
            .await?
            .ok_or_else(|| AdminError::NotFound(format!("no report {id}")))?;
        if report.status != report_status::OPEN {
            return Err(AdminError::Invalid(format!(
                "report {id} is already resolved"
            )));
        }
        if action == report_actions::DELETE_MESSAGE
            && let Some((deleted, seq)) = self
                .store
                .delete_message(report.message_id, admin.user.id)
                .await?
        {
            self.record(db::AuditEntry {
                actor: Some(admin.user.id),
                action: "message.delete",
                room: Some(deleted.chat_room_id),
                message: Some(deleted.id),
                target_user: Some(deleted.sender_id),
                detail: json!({ "by_admin": true }),
            })
            .await;
            self.announce_deleted(
                &MessageDeleted {
                    message_id: deleted.id,
                    room_id: deleted.chat_room_id,
                    deleted_by: admin.user.id,
                },
                seq,
            )
            .await;
        }
        let resolved = self
            .store
            .resolve_report(id, action, admin.user.id, chrono::Utc::now())
            .await?
            .ok_or_else(|| AdminError::Invalid(format!("report {id} is already resolved")))?;
        self.record(db::AuditEntry {
            actor: Some(admin.user.id),
            action: "report.resolve",
            room: Some(resolved.room_id),
            message: Some(resolved.message_id),
            target_user: Some(resolved.reporter_id),
            detail: json!({ "report_id": id, "action": action }),
        })
        .await;
        Ok(resolved)
    }

    /// Publishes `message_deleted` on the bus, so that the servers' connections hear of it
    /// (without Redis, clients see it on their next history load).
    async fn announce_deleted(&self, deleted: &MessageDeleted, seq: i64) {
        let mut envelope = super::envelope(
            crate::bus::RoomEvent::MessageDeleted,
            deleted.room_id,
            deleted,
        );
        envelope.seq = Some(seq);
        self.publish(envelope, "message_deleted").await;
    }

    pub async fn saved_replies(&self) -> AdminResult<Vec<SavedReply>> {
        Ok(self.store.saved_replies().await?)
    }

    pub async fn add_saved_reply(&self, name: &str, text: &str) -> AdminResult<SavedReply> {
        let body = json!({ "name": name, "text": text });
        let reply = crate::chat::desk::replies::new_reply(&body, usize::MAX)?;
        match self.store.add_saved_reply(&reply, None).await {
            Ok(()) => Ok(reply),
            Err(db::StoreError::Conflict(_)) => Err(AdminError::Invalid(format!(
                "a saved reply named {name:?} exists already"
            ))),
            Err(err) => Err(err.into()),
        }
    }

    /// Removes a saved reply by name or id.
    pub async fn remove_saved_reply(&self, which: &str) -> AdminResult<SavedReply> {
        let replies = self.store.saved_replies().await?;
        let found = replies
            .into_iter()
            .find(|r| r.name == which || r.id.to_string() == which)
            .ok_or_else(|| AdminError::NotFound(format!("no saved reply {which:?}")))?;
        self.store.remove_saved_reply(found.id).await?;
        Ok(found)
    }
}
