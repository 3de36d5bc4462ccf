//! [`MemberStore`], written once for both dialects: companions and agents come and go one by
//! one. A change takes the room's row lock first (as the group commit does), so two adds
//! cannot both pass the member limit, and an add and a commit never deadlock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use tigo_common::MemberRole;
use uuid::Uuid;

use super::backend::Backend;
use super::members::role_of;
use super::rows::Instant;
use super::{MemberChange, MemberStore, StoreResult};

/// Takes the room's row lock: a write that changes nothing.
pub(crate) const LOCK_ROOM: &str = "UPDATE chat_rooms SET updated_at = updated_at WHERE id = $1";

const MEMBER_ROLE: &str = "SELECT role FROM room_members WHERE room_id = $1 AND user_id = $2";

const MEMBER_COUNT: &str = "SELECT count(*) FROM room_members WHERE room_id = $1";

const INSERT_MEMBER: &str =
    "INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)";

/// Only companions and agents leave this way: participants never, staff with their hotel.
const DELETE_MEMBER: &str = "DELETE FROM room_members
    WHERE room_id = $1 AND user_id = $2 AND role IN ('companion', 'agent') RETURNING role";

const EXTRA_MEMBERS: &str = "SELECT m.user_id, m.role FROM room_members m
    JOIN chat_rooms r ON r.id = m.room_id
    WHERE m.room_id = $1 AND m.user_id NOT IN (r.participant1_id, r.participant2_id)";

#[async_trait]
impl<S: Backend> MemberStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (i64,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (String,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (Uuid, String): FromRow<'r, <S::Db as Database>::Row>,
{
    async fn extra_members(&self, room: Uuid) -> StoreResult<Vec<(Uuid, MemberRole)>> {
        let rows: Vec<(Uuid, String)> = sqlx::query_as(EXTRA_MEMBERS)
            .bind(room)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter()
            .map(|(user, role)| Ok((user, role_of(&role)?)))
            .collect()
    }

    async fn add_member(
        &self,
        room: Uuid,
        user: Uuid,
        role: MemberRole,
        at: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<MemberChange> {
        let mut tx = self.begin_write().await?;
        sqlx::query(LOCK_ROOM).bind(room).execute(&mut *tx).await?;
        let had: Option<(String,)> = sqlx::query_as(MEMBER_ROLE)
            .bind(room)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some((had,)) = had {
            let had = role_of(&had)?;
            return Ok(if had == role {
                MemberChange::Already
            } else {
                MemberChange::OtherRole(had)
            });
        }
        let (count,): (i64,) = sqlx::query_as(MEMBER_COUNT)
            .bind(room)
            .fetch_one(&mut *tx)
            .await?;
        if usize::try_from(count).unwrap_or(usize::MAX) >= max {
            return Ok(MemberChange::Full);
        }
        sqlx::query(INSERT_MEMBER)
            .bind(room)
            .bind(user)
            .bind(role.as_str())
            .bind(Instant(at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(MemberChange::Added(vec![room]))
    }

    async fn remove_member(&self, room: Uuid, user: Uuid) -> StoreResult<Option<MemberRole>> {
        let mut tx = self.begin_write().await?;
        sqlx::query(LOCK_ROOM).bind(room).execute(&mut *tx).await?;
        let gone: Option<(String,)> = sqlx::query_as(DELETE_MEMBER)
            .bind(room)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        gone.map(|(role,)| role_of(&role)).transpose()
    }
}
