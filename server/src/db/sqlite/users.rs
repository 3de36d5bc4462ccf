//! [`UserStore`] on SQLite: roles are a JSON array in TEXT; `created_at` and `updated_at` are
//! stamped by this process (the database runs inside it, so its clock is this one).

use async_trait::async_trait;
use chrono::Utc;
use sqlx::Sqlite;
use tigo_common::Role;
use uuid::Uuid;

use super::{SqliteStore, micros};
use crate::db::dialect::Dialect;
use crate::db::rows::{self, UserRow};
use crate::db::sql::{self, USER_COLUMNS};
use crate::db::{NewUser, StoreResult, UserRecord, UserStore};

/// Every user, or those holding role `$1`: roles are a JSON array here.
pub(super) const LIST_USERS: &str = concat!(
    "SELECT ",
    sql::user_columns!(),
    " FROM users
     WHERE $1 IS NULL OR EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = $1)
     ORDER BY email"
);

fn roles_json(roles: &[Role]) -> String {
    serde_json::to_string(&roles.iter().map(|r| r.as_str()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, user: &NewUser) -> StoreResult<UserRecord> {
        let row: UserRow = sqlx::query_as(&format!(
            "INSERT INTO users (id, email, password_hash, first_name, last_name, roles, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {USER_COLUMNS}"
        ))
        .bind(user.id)
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(&user.first_name)
        .bind(&user.last_name)
        .bind(roles_json(&user.roles))
        .bind(micros(Utc::now()))
        .fetch_one(&self.pool)
        .await?;
        rows::IntoRecord::into_record(row)
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        Sqlite::user_by_email(&self.pool, email).await
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        Sqlite::user_by_id(&self.pool, id).await
    }

    async fn list_users(&self, role: Option<Role>) -> StoreResult<Vec<UserRecord>> {
        Sqlite::list_users(&self.pool, role).await
    }

    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET roles = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(roles_json(roles))
            .bind(micros(Utc::now()))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_active(&self, id: Uuid, active: bool) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET is_active = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(active)
            .bind(micros(Utc::now()))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn users_changed_within(
        &self,
        window: std::time::Duration,
    ) -> StoreResult<Vec<UserRecord>> {
        let since = Utc::now() - chrono::Duration::from_std(window).unwrap_or_default();
        let found: Vec<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE updated_at > $1
             ORDER BY updated_at DESC LIMIT 10000"
        ))
        .bind(micros(since))
        .fetch_all(&self.pool)
        .await?;
        rows::all(found)
    }
}
