//! [`UserStore`](crate::db::UserStore)'s part ([`UserSql`]) on SQLite: roles are a JSON array
//! in TEXT; `created_at` and `updated_at` are stamped by this process (the database runs inside
//! it, so its clock is this one).

use std::time::Duration;

use chrono::Utc;
use tigo_common::Role;

use super::SqliteStore;
use crate::db::rows::Instant;
use crate::db::sql;
use crate::db::users::UserSql;

impl UserSql for SqliteStore {
    type Roles = String;
    type Since = Instant;

    const CREATE: &'static str = concat!(
        "INSERT INTO users (id, email, password_hash, first_name, last_name, roles, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ",
        sql::user_columns!()
    );
    /// Roles are a JSON array here.
    const LIST_USERS: &'static str = concat!(
        "SELECT ",
        sql::user_columns!(),
        " FROM users
     WHERE $1 IS NULL OR EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = $1)
     ORDER BY email"
    );
    const SET_ROLES: &'static str = "UPDATE users SET roles = $2, updated_at = $3 WHERE id = $1";
    const SET_ACTIVE: &'static str =
        "UPDATE users SET is_active = $2, updated_at = $3 WHERE id = $1";
    const CHANGED_WITHIN: &'static str = concat!(
        "SELECT ",
        sql::user_columns!(),
        " FROM users WHERE updated_at > $1
             ORDER BY updated_at DESC LIMIT 10000"
    );

    fn roles(roles: &[Role]) -> String {
        serde_json::to_string(&roles.iter().map(|r| r.as_str()).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into())
    }

    fn stamp() -> Option<Instant> {
        Some(Instant(Utc::now()))
    }

    fn since(window: Duration) -> Instant {
        Instant(Utc::now() - chrono::Duration::from_std(window).unwrap_or_default())
    }
}
