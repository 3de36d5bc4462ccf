//! [`UserStore`](crate::db::UserStore)'s part ([`UserSql`]) on PostgreSQL: roles are a
//! `text[]`, and `created_at`/`updated_at` come from the database's clock.

use std::time::Duration;

use tigo_common::Role;

use super::PgStore;
use crate::db::rows::Instant;
use crate::db::sql;
use crate::db::users::UserSql;

impl UserSql for PgStore {
    type Roles = Vec<&'static str>;
    /// Seconds before the database's now.
    type Since = f64;

    const CREATE: &'static str = concat!(
        "INSERT INTO users (id, email, password_hash, first_name, last_name, roles)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
        sql::user_columns!()
    );
    /// Roles are a `text[]` here.
    const LIST_USERS: &'static str = concat!(
        "SELECT ",
        sql::user_columns!(),
        " FROM users WHERE $1::text IS NULL OR $1 = ANY(roles) ORDER BY email"
    );
    const SET_ROLES: &'static str = "UPDATE users SET roles = $2, updated_at = now() WHERE id = $1";
    const SET_ACTIVE: &'static str =
        "UPDATE users SET is_active = $2, updated_at = now() WHERE id = $1";
    const CHANGED_WITHIN: &'static str = concat!(
        "SELECT ",
        sql::user_columns!(),
        " FROM users
             WHERE updated_at > now() - make_interval(secs => $1)
             ORDER BY updated_at DESC LIMIT 10000"
    );

    fn roles(roles: &[Role]) -> Vec<&'static str> {
        roles.iter().map(|r| r.as_str()).collect()
    }

    fn stamp() -> Option<Instant> {
        None
    }

    fn since(window: Duration) -> f64 {
        window.as_secs_f64()
    }
}
