//! [`UserStore`], written once for both dialects; each dialect's part ([`UserSql`], in
//! `db/sqlite/users.rs` and `db/postgres/users.rs`) is how it stores roles (a JSON array in
//! TEXT, a `text[]`), whose clock stamps a change (this process's, the database's) and the
//! statements those two choices spell differently.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use tigo_common::Role;
use uuid::Uuid;

use super::backend::Backend;
use super::rows::{self, Instant, UserRow};
use super::sql;
use super::{NewUser, StoreResult, UserRecord, UserStore};

/// The dialect's part of storing users.
pub(crate) trait UserSql: Backend {
    /// Roles as the dialect binds them.
    type Roles: Send + 'static;
    /// How far back [`Self::CHANGED_WITHIN`] looks, as the dialect binds it.
    type Since: Send + 'static;

    /// Inserts user `$1`–`$6` (id, email, hash, names, roles; [`Self::stamp`] next, if any)
    /// and returns its columns.
    const CREATE: &'static str;
    /// Every user, or those holding role `$1` (null: every user), ordered by email.
    const LIST_USERS: &'static str;
    /// Sets user `$1`'s roles to `$2` ([`Self::stamp`] next, if any).
    const SET_ROLES: &'static str;
    /// Sets user `$1`'s `is_active` to `$2` ([`Self::stamp`] next, if any).
    const SET_ACTIVE: &'static str;
    /// Users changed since `$1` ([`Self::since`]), newest change first, at most 10,000.
    const CHANGED_WITHIN: &'static str;

    fn roles(roles: &[Role]) -> Self::Roles;

    /// The instant a change binds as its last parameter; `None`: the database stamps it.
    fn stamp() -> Option<Instant>;

    /// The bound of [`Self::CHANGED_WITHIN`] for the last `window`.
    fn since(window: Duration) -> Self::Since;
}

#[async_trait]
impl<S: UserSql> UserStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<&'q str>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> bool: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> S::Roles: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> S::Since: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> UserRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn create_user(&self, user: &NewUser) -> StoreResult<UserRecord> {
        let insert = sqlx::query_as::<_, UserRow>(S::CREATE)
            .bind(user.id)
            .bind(user.email.as_str())
            .bind(user.password_hash.as_str())
            .bind(user.first_name.as_str())
            .bind(user.last_name.as_str())
            .bind(S::roles(&user.roles));
        let insert = match S::stamp() {
            Some(at) => insert.bind(at),
            None => insert,
        };
        rows::IntoRecord::into_record(insert.fetch_one(self.pool()).await?)
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(sql::USER_BY_EMAIL)
            .bind(email)
            .fetch_optional(self.pool())
            .await?;
        rows::optional(row)
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(sql::USER_BY_ID)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        rows::optional(row)
    }

    async fn list_users(&self, role: Option<Role>) -> StoreResult<Vec<UserRecord>> {
        let found: Vec<UserRow> = sqlx::query_as(S::LIST_USERS)
            .bind(role.map(Role::as_str))
            .fetch_all(self.pool())
            .await?;
        rows::all(found)
    }

    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> StoreResult<bool> {
        let update = sqlx::query(S::SET_ROLES).bind(id).bind(S::roles(roles));
        let update = match S::stamp() {
            Some(at) => update.bind(at),
            None => update,
        };
        Ok(S::rows_affected(&update.execute(self.pool()).await?) == 1)
    }

    async fn set_active(&self, id: Uuid, active: bool) -> StoreResult<bool> {
        let update = sqlx::query(S::SET_ACTIVE).bind(id).bind(active);
        let update = match S::stamp() {
            Some(at) => update.bind(at),
            None => update,
        };
        Ok(S::rows_affected(&update.execute(self.pool()).await?) == 1)
    }

    async fn users_changed_within(&self, window: Duration) -> StoreResult<Vec<UserRecord>> {
        let found: Vec<UserRow> = sqlx::query_as(S::CHANGED_WITHIN)
            .bind(S::since(window))
            .fetch_all(self.pool())
            .await?;
        rows::all(found)
    }
}
