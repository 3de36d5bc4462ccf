//! [`SafetyStore`]: blocked terms, message reports, room assignment and saved replies. The SQL
//! is the same in both dialects (instants through [`Instant`], ids through sqlx's uuid
//! support, JSON through sqlx's `Json`: jsonb or TEXT), so its one implementation is here.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tigo_common::{Report, SavedReply, report_actions};
use uuid::Uuid;

use sqlx::types::Json;
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};

use super::StoreResult;
use super::backend::Backend;
use super::rows::Instant;

/// A report to store.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub id: Uuid,
    pub message_id: Uuid,
    pub room_id: Uuid,
    pub reporter_id: Uuid,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait SafetyStore: Send + Sync {
    /// Every blocked term (lower-cased words, one space apart), in order.
    async fn blocked_terms(&self) -> StoreResult<Vec<String>>;

    /// Adds a term; false when it was there already.
    async fn add_blocked_term(&self, term: &str) -> StoreResult<bool>;

    /// Removes a term; false when there was no such term.
    async fn remove_blocked_term(&self, term: &str) -> StoreResult<bool>;

    /// Stores a report unless the reporter has an open one of the message; returns the open
    /// report and whether it is new.
    async fn report_message(&self, report: &NewReport) -> StoreResult<(Report, bool)>;

    async fn report(&self, id: Uuid) -> StoreResult<Option<Report>>;

    /// Reports with `status` (any when `None`), oldest first, and how many match.
    async fn list_reports(
        &self,
        status: Option<&str>,
        limit: i64,
    ) -> StoreResult<(Vec<Report>, i64)>;

    /// Resolves an open report; `None` when it is not open (or does not exist). A
    /// `delete_message` resolution also resolves the other open reports of that message.
    async fn resolve_report(
        &self,
        id: Uuid,
        action: &str,
        by: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<Report>>;

    /// Sets (or, with `None`, clears) the room's Admin; false when there is no such room.
    async fn assign_room(&self, room: Uuid, admin: Option<Uuid>) -> StoreResult<bool>;

    /// Every saved reply, by name.
    async fn saved_replies(&self) -> StoreResult<Vec<SavedReply>>;

    /// Stores a saved reply; [`StoreError::Conflict`](super::StoreError::Conflict) when the
    /// name is taken.
    async fn add_saved_reply(&self, reply: &SavedReply, by: Option<Uuid>) -> StoreResult<()>;

    /// Deletes a saved reply; false when there was none.
    async fn remove_saved_reply(&self, id: Uuid) -> StoreResult<bool>;

    /// Replaces a message's metadata (an edit's `masked`).
    async fn set_message_metadata(&self, id: Uuid, metadata: Option<&Value>) -> StoreResult<()>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct ReportRow {
    id: Uuid,
    pub(crate) message_id: Uuid,
    room_id: Uuid,
    reporter_id: Uuid,
    reason: String,
    status: String,
    resolution: Option<String>,
    resolved_by: Option<Uuid>,
    resolved_at: Option<Instant>,
    created_at: Instant,
}

impl From<ReportRow> for Report {
    fn from(r: ReportRow) -> Report {
        Report {
            id: r.id,
            message_id: r.message_id,
            room_id: r.room_id,
            reporter_id: r.reporter_id,
            reason: r.reason,
            status: r.status,
            resolution: r.resolution,
            resolved_by: r.resolved_by,
            resolved_at: r.resolved_at.map(|at| at.0),
            created_at: r.created_at.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ReplyRow {
    id: Uuid,
    name: String,
    text: String,
}

impl From<ReplyRow> for SavedReply {
    fn from(r: ReplyRow) -> SavedReply {
        SavedReply {
            id: r.id,
            name: r.name,
            text: r.text,
        }
    }
}

pub(crate) const REPORT_COLUMNS: &str = "SELECT id, message_id, room_id, reporter_id, reason, \
    status, resolution, resolved_by, resolved_at, created_at FROM message_reports";

/// Sets a report's resolution (`$2`), resolver (`$3`) and instant (`$4`).
const RESOLVE: &str = "UPDATE message_reports
    SET status = 'resolved', resolution = $2, resolved_by = $3, resolved_at = $4";

const RETURNING: &str = " RETURNING id, message_id, room_id, reporter_id, reason,
    status, resolution, resolved_by, resolved_at, created_at";

#[async_trait]
impl<S: Backend> SafetyStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Uuid>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q String: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<&'q str>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Json<&'q Value>>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (String,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (i64,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> ReportRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> ReplyRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn blocked_terms(&self) -> StoreResult<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT term FROM blocked_terms ORDER BY term")
                .fetch_all(self.pool())
                .await?,
        )
    }

    async fn add_blocked_term(&self, term: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO blocked_terms (term, created_at) VALUES ($1, $2)
             ON CONFLICT (term) DO NOTHING",
        )
        .bind(term)
        .bind(Instant(Utc::now()))
        .execute(self.pool())
        .await?;
        Ok(S::rows_affected(&done) == 1)
    }

    async fn remove_blocked_term(&self, term: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM blocked_terms WHERE term = $1")
            .bind(term)
            .execute(self.pool())
            .await?;
        Ok(S::rows_affected(&done) == 1)
    }

    async fn report_message(&self, r: &NewReport) -> StoreResult<(Report, bool)> {
        let done = sqlx::query(
            "INSERT INTO message_reports
                (id, message_id, room_id, reporter_id, reason, status, created_at)
             VALUES ($1, $2, $3, $4, $5, 'open', $6)
             ON CONFLICT (message_id, reporter_id) WHERE status = 'open' DO NOTHING",
        )
        .bind(r.id)
        .bind(r.message_id)
        .bind(r.room_id)
        .bind(r.reporter_id)
        .bind(&r.reason)
        .bind(Instant(r.at))
        .execute(self.pool())
        .await?;
        let row: ReportRow = sqlx::query_as(&format!(
            "{REPORT_COLUMNS} WHERE message_id = $1 AND reporter_id = $2 AND status = 'open'"
        ))
        .bind(r.message_id)
        .bind(r.reporter_id)
        .fetch_one(self.pool())
        .await?;
        Ok((row.into(), S::rows_affected(&done) == 1))
    }

    async fn report(&self, id: Uuid) -> StoreResult<Option<Report>> {
        let row: Option<ReportRow> = sqlx::query_as(&format!("{REPORT_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(Into::into))
    }

    async fn list_reports(
        &self,
        status: Option<&str>,
        limit: i64,
    ) -> StoreResult<(Vec<Report>, i64)> {
        let rows: Vec<ReportRow> = sqlx::query_as(&format!(
            "{REPORT_COLUMNS} WHERE ($1 IS NULL OR status = $1)
             ORDER BY created_at, id LIMIT $2"
        ))
        .bind(status)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let total: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM message_reports WHERE ($1 IS NULL OR status = $1)",
        )
        .bind(status)
        .fetch_one(self.pool())
        .await?;
        Ok((rows.into_iter().map(Into::into).collect(), total))
    }

    async fn resolve_report(
        &self,
        id: Uuid,
        action: &str,
        by: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<Report>> {
        let row: Option<ReportRow> = sqlx::query_as(&format!(
            "{RESOLVE} WHERE id = $1 AND status = 'open'{RETURNING}"
        ))
        .bind(id)
        .bind(action)
        .bind(by)
        .bind(Instant(at))
        .fetch_optional(self.pool())
        .await?;
        if let Some(row) = &row
            && action == report_actions::DELETE_MESSAGE
        {
            sqlx::query(&format!(
                "{RESOLVE} WHERE message_id = $1 AND status = 'open'"
            ))
            .bind(row.message_id)
            .bind(action)
            .bind(by)
            .bind(Instant(at))
            .execute(self.pool())
            .await?;
        }
        Ok(row.map(Into::into))
    }

    async fn assign_room(&self, room: Uuid, admin: Option<Uuid>) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE chat_rooms SET assigned_admin_id = $2 WHERE id = $1")
            .bind(room)
            .bind(admin)
            .execute(self.pool())
            .await?;
        Ok(S::rows_affected(&done) == 1)
    }

    async fn saved_replies(&self) -> StoreResult<Vec<SavedReply>> {
        let rows: Vec<ReplyRow> =
            sqlx::query_as("SELECT id, name, text FROM saved_replies ORDER BY name")
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn add_saved_reply(&self, reply: &SavedReply, by: Option<Uuid>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO saved_replies (id, name, text, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(reply.id)
        .bind(&reply.name)
        .bind(&reply.text)
        .bind(by)
        .bind(Instant(Utc::now()))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn remove_saved_reply(&self, id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM saved_replies WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(S::rows_affected(&done) == 1)
    }

    /// The value goes in as `Json`: jsonb on PostgreSQL, its text on SQLite.
    async fn set_message_metadata(&self, id: Uuid, metadata: Option<&Value>) -> StoreResult<()> {
        sqlx::query("UPDATE chat_messages SET metadata = $2 WHERE id = $1")
            .bind(id)
            .bind(metadata.map(Json))
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
