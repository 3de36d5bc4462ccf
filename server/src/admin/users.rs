//! Users as operators manage them: create, list, roles, deactivation, tokens, who is online.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tigo_common::{Role, User};
use uuid::Uuid;

use super::{Admin, AdminError, AdminResult};
use crate::db::{self, UserRecord};
use crate::delivery::presence;

/// A user as operators see it.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub roles: Vec<Role>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<UserRecord> for UserRow {
    fn from(r: UserRecord) -> Self {
        UserRow {
            id: r.user.id,
            email: r.user.email,
            first_name: r.user.first_name,
            last_name: r.user.last_name,
            roles: r.user.roles,
            is_active: r.is_active,
            created_at: r.created_at,
        }
    }
}

impl Admin {
    /// Creates a user (operators grant HotelOwner and Admin this way).
    pub async fn create_user(&self, account: crate::accounts::NewAccount) -> AdminResult<User> {
        let user = crate::accounts::create_user(self.store.as_ref(), account).await?;
        self.record(db::AuditEntry {
            action: "user.create",
            target_user: Some(user.id),
            detail: serde_json::json!({ "roles": user.roles }),
            ..Default::default()
        })
        .await;
        Ok(user)
    }

    pub async fn users(&self, role: Option<Role>) -> AdminResult<Vec<UserRow>> {
        Ok(self
            .store
            .list_users(role)
            .await?
            .into_iter()
            .map(UserRow::from)
            .collect())
    }

    pub async fn set_roles(&self, who: &str, roles: &[Role]) -> AdminResult<UserRow> {
        if roles.is_empty() {
            return Err(AdminError::Invalid("give at least one --role".into()));
        }
        let user = self.find_user(who).await?;
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        self.store.set_roles(user.user.id, &roles).await?;
        let detail = serde_json::json!({ "from": user.user.roles, "to": roles });
        self.user_changed(user.user.id, "user.roles", detail).await
    }

    pub async fn set_active(&self, who: &str, active: bool) -> AdminResult<UserRow> {
        let user = self.find_user(who).await?;
        self.store.set_active(user.user.id, active).await?;
        let detail = serde_json::json!({ "active": active });
        self.user_changed(user.user.id, "user.active", detail).await
    }

    /// After a change to a user: audits it, tells running servers, and returns the user as now.
    async fn user_changed(
        &self,
        id: Uuid,
        action: &'static str,
        detail: serde_json::Value,
    ) -> AdminResult<UserRow> {
        self.record(db::AuditEntry {
            action,
            target_user: Some(id),
            detail,
            ..Default::default()
        })
        .await;
        // Running servers see the change in the database within a second (`user_watch`).
        Ok(self.find_user(&id.to_string()).await?.into())
    }

    /// A token for `who`, signed with the servers' secret (`JWT_SECRET`, else the stored one).
    pub async fn token(&self, who: &str, ttl: Duration) -> AdminResult<String> {
        let user = self.find_user(who).await?;
        if !user.is_active {
            return Err(AdminError::Invalid(format!("{who} is deactivated")));
        }
        self.keys()
            .await?
            .issue(&user.user, ttl.as_secs() as i64)
            .map_err(|e| AdminError::App(format!("signing failed: {e}")))
    }

    /// Users online now, from the presence keys in Redis.
    pub async fn online(&self) -> AdminResult<Vec<UserRow>> {
        let conn = self.redis_conn().await?;
        let client = self
            .redis
            .as_ref()
            .ok_or_else(|| AdminError::NeedsRedis("no redis".into()))?;
        let manager = redis::aio::ConnectionManager::new(client.clone()).await?;
        drop(conn);
        let candidates = presence::scan_online_keys(manager.clone()).await;
        let online = presence::alive(manager, &candidates).await?;
        let mut rows = Vec::new();
        for user in candidates.into_iter().filter(|u| online.contains(u)) {
            if let Some(record) = self.store.user_by_id(user).await? {
                rows.push(UserRow::from(record));
            }
        }
        rows.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(rows)
    }
}
