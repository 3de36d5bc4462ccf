//! [`UserStore`] on PostgreSQL: roles are a `text[]`, and `created_at`/`updated_at` come from
//! the database's clock.

use async_trait::async_trait;
use sqlx::Postgres;
use tigo_common::Role;
use uuid::Uuid;

use super::PgStore;
use crate::db::dialect::Dialect;
use crate::db::rows::{self, UserRow};
use crate::db::sql::{self, USER_COLUMNS};
use crate::db::{NewUser, StoreResult, UserRecord, UserStore};

/// Every user, or those holding role `$1`: roles are a `text[]` here.
pub(super) const LIST_USERS: &str = concat!(
    "SELECT ",
    sql::user_columns!(),
    " FROM users WHERE $1::text IS NULL OR $1 = ANY(roles) ORDER BY email"
);

fn role_names(roles: &[Role]) -> Vec<&'static str> {
    roles.iter().map(|r| r.as_str()).collect()
}

#[async_trait]
impl UserStore for PgStore {
    async fn create_user(&self, user: &NewUser) -> StoreResult<UserRecord> {
        let row: UserRow = sqlx::query_as(&format!(
            "INSERT INTO users (id, email, password_hash, first_name, last_name, roles)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLUMNS}"
        ))
        .bind(user.id)
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(&user.first_name)
        .bind(&user.last_name)
        .bind(role_names(&user.roles))
        .fetch_one(&self.pool)
        .await?;
        rows::IntoRecord::into_record(row)
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        Postgres::user_by_email(&self.pool, email).await
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        Postgres::user_by_id(&self.pool, id).await
    }

    async fn list_users(&self, role: Option<Role>) -> StoreResult<Vec<UserRecord>> {
        Postgres::list_users(&self.pool, role).await
    }

    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET roles = $2, updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(role_names(roles))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_active(&self, id: Uuid, active: bool) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET is_active = $2, updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(active)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn users_changed_within(
        &self,
        window: std::time::Duration,
    ) -> StoreResult<Vec<UserRecord>> {
        let found: Vec<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users
             WHERE updated_at > now() - make_interval(secs => $1)
             ORDER BY updated_at DESC LIMIT 10000"
        ))
        .bind(window.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        rows::all(found)
    }
}
