//! Row decoding for both dialects: one `sqlx::FromRow` struct per kind of row, the conversions
//! into the records callers see, and small column types for what the dialects store
//! differently.
//!
//! The row structs decode from either backend because every field's type does: UUIDs (native
//! in PostgreSQL, 16-byte BLOBs in SQLite: sqlx's uuid support reads both), booleans (SQLite
//! INTEGER 0/1), JSON (`Json`: jsonb or TEXT), instants ([`Instant`]) and role lists
//! ([`Roles`]). A new column is one field here and one line in its conversion.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgValueRef};
use sqlx::sqlite::{SqliteArgumentValue, SqliteValueRef};
use sqlx::types::Json;
use sqlx::{Database, Decode, Encode, Postgres, Sqlite, Type};
use tigo_common::{
    Message, MessageStatus, MessageType, Reaction, ReplyTo, Role, Room, RoomType, User, UserSummary,
};
use uuid::Uuid;

use super::{AuditRecord, RoomAccess, StoreError, StoreResult, UserRecord};

/// Implements `Type` for a column type as the dialect's driver types what it is stored as.
macro_rules! stored_as {
    ($ty:ty, $db:ty, $stored:ty) => {
        impl Type<$db> for $ty {
            fn type_info() -> <$db as Database>::TypeInfo {
                <$stored as Type<$db>>::type_info()
            }

            fn compatible(ty: &<$db as Database>::TypeInfo) -> bool {
                <$stored as Type<$db>>::compatible(ty)
            }
        }
    };
}

/// An instant: PostgreSQL `timestamptz`, SQLite INTEGER microseconds since the Unix epoch (so
/// they sort and compare exactly). Both keep microseconds, so a stored instant reads back as
/// it was written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instant(pub DateTime<Utc>);

stored_as!(Instant, Sqlite, i64);
stored_as!(Instant, Postgres, DateTime<Utc>);

impl<'r> Decode<'r, Sqlite> for Instant {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let micros = <i64 as Decode<Sqlite>>::decode(value)?;
        Utc.timestamp_micros(micros)
            .single()
            .map(Instant)
            .ok_or_else(|| format!("timestamp {micros} out of range").into())
    }
}

impl<'q> Encode<'q, Sqlite> for Instant {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Sqlite>>::encode(self.0.timestamp_micros(), buf)
    }
}

impl<'r> Decode<'r, Postgres> for Instant {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <DateTime<Utc> as Decode<Postgres>>::decode(value).map(Instant)
    }
}

impl<'q> Encode<'q, Postgres> for Instant {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <DateTime<Utc> as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

/// A user's roles: PostgreSQL `text[]`, SQLite a JSON array of names in TEXT.
#[derive(Debug, Clone)]
pub(crate) struct Roles(pub Vec<Role>);

stored_as!(Roles, Sqlite, &'static str);
stored_as!(Roles, Postgres, Vec<String>);

impl Roles {
    fn parse(names: &[String]) -> Result<Roles, BoxDynError> {
        names
            .iter()
            .map(|n| Role::parse(n).ok_or_else(|| format!("unknown role {n:?}").into()))
            .collect::<Result<_, BoxDynError>>()
            .map(Roles)
    }
}

impl<'r> Decode<'r, Sqlite> for Roles {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        let names: Vec<String> =
            serde_json::from_str(text).map_err(|e| format!("roles column: {e}"))?;
        Roles::parse(&names)
    }
}

impl<'r> Decode<'r, Postgres> for Roles {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Roles::parse(&<Vec<String> as Decode<Postgres>>::decode(value)?)
    }
}

/// A decoded row and the record it becomes (checking what the column types cannot).
pub(crate) trait IntoRecord: Sized {
    type Record;

    fn into_record(self) -> StoreResult<Self::Record>;
}

/// Every row of a result as records.
pub(crate) fn all<R: IntoRecord>(rows: Vec<R>) -> StoreResult<Vec<R::Record>> {
    rows.into_iter().map(R::into_record).collect()
}

/// The row of an optional result as a record.
pub(crate) fn optional<R: IntoRecord>(row: Option<R>) -> StoreResult<Option<R::Record>> {
    row.map(R::into_record).transpose()
}

/// `users` as `sql::USER_COLUMNS` selects it.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    email: String,
    password_hash: String,
    first_name: String,
    last_name: String,
    roles: Roles,
    is_active: bool,
    created_at: Instant,
}

impl IntoRecord for UserRow {
    type Record = UserRecord;

    fn into_record(self) -> StoreResult<UserRecord> {
        Ok(UserRecord {
            user: User {
                id: self.id,
                email: self.email,
                first_name: self.first_name,
                last_name: self.last_name,
                roles: self.roles.0,
            },
            password_hash: self.password_hash,
            is_active: self.is_active,
            created_at: self.created_at.0,
        })
    }
}

/// The immutable columns of `chat_rooms` (`sql::ACCESS_COLUMNS`), alone or inside a [`RoomRow`].
#[derive(sqlx::FromRow)]
pub(crate) struct AccessRow {
    id: Uuid,
    #[sqlx(rename = "type")]
    room_type: String,
    participant1_id: Uuid,
    participant2_id: Uuid,
}

impl IntoRecord for AccessRow {
    type Record = RoomAccess;

    fn into_record(self) -> StoreResult<RoomAccess> {
        Ok(RoomAccess {
            id: self.id,
            room_type: parse_room_type(&self.room_type)?,
            participant1_id: self.participant1_id,
            participant2_id: self.participant2_id,
        })
    }
}

/// A room with its participants and the viewer's unread count, as `room_select!` selects it.
#[derive(sqlx::FromRow)]
pub(crate) struct RoomRow {
    #[sqlx(flatten)]
    access: AccessRow,
    hotel_id: Option<Uuid>,
    last_message_content: Option<String>,
    last_message_at: Option<Instant>,
    is_active: bool,
    created_at: Instant,
    updated_at: Instant,
    p1_first_name: String,
    p1_last_name: String,
    p1_email: String,
    p2_first_name: String,
    p2_last_name: String,
    p2_email: String,
    unread_count: i64,
    assigned_admin_id: Option<Uuid>,
    /// The members' JSON aggregate (see `super::members`).
    members: String,
}

impl IntoRecord for RoomRow {
    type Record = Room;

    fn into_record(self) -> StoreResult<Room> {
        let access = self.access.into_record()?;
        let members =
            super::members::decode(&self.members, access.room_type, access.participants())?;
        Ok(Room {
            id: access.id,
            room_type: access.room_type,
            participant1_id: access.participant1_id,
            participant2_id: access.participant2_id,
            participant1: UserSummary {
                id: access.participant1_id,
                first_name: self.p1_first_name,
                last_name: self.p1_last_name,
                email: self.p1_email,
            },
            participant2: UserSummary {
                id: access.participant2_id,
                first_name: self.p2_first_name,
                last_name: self.p2_last_name,
                email: self.p2_email,
            },
            hotel_id: self.hotel_id,
            last_message_content: self.last_message_content,
            last_message_at: self.last_message_at.map(|at| at.0),
            is_active: self.is_active,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
            unread_count: self.unread_count,
            assigned_admin_id: self.assigned_admin_id,
            members,
        })
    }
}

/// A message with its sender, as `sql::MESSAGE_SELECT` selects it.
#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    id: Uuid,
    chat_room_id: Uuid,
    sender_id: Uuid,
    content: String,
    #[sqlx(rename = "type")]
    message_type: String,
    status: String,
    file_url: Option<String>,
    file_name: Option<String>,
    file_size: Option<i64>,
    metadata: Option<Json<Value>>,
    is_edited: bool,
    edited_at: Option<Instant>,
    created_at: Instant,
    updated_at: Instant,
    /// Not part of [`Message`]: the idempotency key, for finding earlier copies.
    pub(crate) client_msg_id: Option<String>,
    first_name: String,
    last_name: String,
    email: String,
    reactions: Option<Json<Vec<Reaction>>>,
    reply_to_id: Option<Uuid>,
    reply_to_sender_id: Option<Uuid>,
    reply_to_type: Option<String>,
    /// The quoted message's id when it still exists.
    quoted_id: Option<Uuid>,
    quoted_content: Option<String>,
}

impl MessageRow {
    fn reply_to(&mut self) -> StoreResult<Option<ReplyTo>> {
        let Some(id) = self.reply_to_id else {
            return Ok(None);
        };
        let deleted = self.quoted_id.is_none();
        Ok(Some(ReplyTo {
            id,
            sender_id: self.reply_to_sender_id.unwrap_or_default(),
            content: if deleted {
                String::new()
            } else {
                self.quoted_content.take().unwrap_or_default()
            },
            message_type: parse_message_type(self.reply_to_type.as_deref().unwrap_or("text"))?,
            deleted,
        }))
    }
}

impl IntoRecord for MessageRow {
    type Record = Message;

    fn into_record(mut self) -> StoreResult<Message> {
        let reply_to = self.reply_to()?;
        Ok(Message {
            id: self.id,
            chat_room_id: self.chat_room_id,
            sender_id: self.sender_id,
            sender: UserSummary {
                id: self.sender_id,
                first_name: self.first_name,
                last_name: self.last_name,
                email: self.email,
            },
            content: self.content,
            message_type: parse_message_type(&self.message_type)?,
            status: parse_status(&self.status)?,
            file_url: self.file_url,
            file_name: self.file_name,
            file_size: self.file_size,
            metadata: self.metadata.map(|m| m.0),
            is_edited: self.is_edited,
            edited_at: self.edited_at.map(|at| at.0),
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
            reply_to,
            reactions: self.reactions.map(|r| r.0).unwrap_or_default(),
        })
    }
}

/// An audit line with its actor's email, as `sql::AUDIT_LOG` selects it.
#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    id: i64,
    at: Instant,
    actor_id: Option<Uuid>,
    actor_email: Option<String>,
    action: String,
    room_id: Option<Uuid>,
    message_id: Option<Uuid>,
    target_user_id: Option<Uuid>,
    detail: Json<Value>,
}

impl IntoRecord for AuditRow {
    type Record = AuditRecord;

    fn into_record(self) -> StoreResult<AuditRecord> {
        Ok(AuditRecord {
            id: self.id,
            at: self.at.0,
            actor_id: self.actor_id,
            actor_email: self.actor_email,
            action: self.action,
            room_id: self.room_id,
            message_id: self.message_id,
            target_user_id: self.target_user_id,
            detail: self.detail.0,
        })
    }
}

fn parse_room_type(text: &str) -> StoreResult<RoomType> {
    RoomType::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown room type {text:?}")))
}

fn parse_message_type(text: &str) -> StoreResult<MessageType> {
    MessageType::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown message type {text:?}")))
}

fn parse_status(text: &str) -> StoreResult<MessageStatus> {
    MessageStatus::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown message status {text:?}")))
}
