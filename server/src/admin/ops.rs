//! Operations proper: migrations, health (in `/chat/health`'s words), stats, the audit log,
//! and the live tail of the bus (`monitor`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use uuid::Uuid;

use super::{Admin, AdminError, AdminResult};
use crate::bus::{EVENTS_CHANNEL, NOTIFICATIONS_CHANNEL};
use crate::db;

#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    /// `healthy`, `degraded` (Redis down) or `unhealthy` (database down).
    pub status: String,
    pub database: String,
    pub redis: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatsReport {
    #[serde(flatten)]
    pub counts: db::Stats,
    /// Users online now (`null` when that cannot be known: no Redis).
    pub online_users: Option<usize>,
    /// What `GET /chat/admin/stats` answers for the period.
    #[serde(flatten)]
    pub figures: tigo_common::AdminStats,
}

/// One line of `monitor`.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorLine {
    pub channel: String,
    pub at: DateTime<Utc>,
    pub event: String,
    #[serde(rename = "roomId")]
    pub room_id: Option<Uuid>,
    pub data: serde_json::Value,
}

impl Admin {
    /// Applies pending migrations; the versions applied now.
    pub async fn migrate(&self) -> AdminResult<Vec<i64>> {
        Ok(self.store.migrate().await?)
    }

    /// Checks the database and (when configured) Redis directly, in the words of
    /// `/chat/health`: the database decides healthy or unhealthy, Redis healthy or degraded.
    pub async fn health(&self) -> HealthReport {
        let database = matches!(
            tokio::time::timeout(Duration::from_secs(3), self.store.ping()).await,
            Ok(Ok(()))
        );
        let redis = match &self.redis {
            None => "not configured".to_string(),
            Some(_) => match self.redis_conn().await {
                Ok(mut conn) => {
                    let pong: redis::RedisResult<String> =
                        redis::cmd("PING").query_async(&mut conn).await;
                    if pong.is_ok() { "up" } else { "down" }.to_string()
                }
                Err(_) => "down".to_string(),
            },
        };
        HealthReport {
            status: crate::health::status(database, redis == "down").into(),
            database: if database { "up" } else { "down" }.into(),
            redis,
        }
    }

    /// The totals, and the figures of the period `since`..`until` by `bucket` (each as
    /// `GET /chat/admin/stats` reads it).
    pub async fn stats(
        &self,
        since: Option<&str>,
        until: Option<&str>,
        bucket: Option<&str>,
    ) -> AdminResult<StatsReport> {
        let now = Utc::now();
        let query = crate::stats::period::period(since, until, bucket, now)
            .map_err(|problems| AdminError::Invalid(problems.join("; ")))?;
        let figures = self.statistics().admin(query, now).await?;
        let counts = self.store.stats(now).await?;
        let online_users = match &self.redis {
            Some(_) => Some(self.online().await?.len()),
            None => None,
        };
        Ok(StatsReport {
            counts,
            online_users,
            figures,
        })
    }

    /// One hotel's response figures, as guests see them.
    pub async fn hotel_stats(&self, hotel: uuid::Uuid) -> AdminResult<tigo_common::ResponseStats> {
        Ok(self.statistics().hotel(hotel, Utc::now()).await?)
    }

    /// Recomputes every figure from the stored messages; how many messages it went through.
    pub async fn stats_rebuild(&self) -> AdminResult<u64> {
        Ok(self.statistics().rebuild().await?)
    }

    fn statistics(&self) -> crate::stats::Stats {
        crate::stats::Stats::new(self.store.clone())
    }

    /// Streams `chat:events` and `notification:events` to `each` until `stop` resolves.
    pub async fn monitor(
        &self,
        stop: impl std::future::Future<Output = ()>,
        ready: impl FnOnce(),
        mut each: impl FnMut(MonitorLine) -> bool,
    ) -> AdminResult<()> {
        let client = self.redis.as_ref().ok_or_else(|| {
            AdminError::NeedsRedis(
                "monitor needs Redis: in embedded mode events travel inside the server process; \
                 set REDIS_URL to the Redis your servers use"
                    .into(),
            )
        })?;
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(EVENTS_CHANNEL).await?;
        pubsub.subscribe(NOTIFICATIONS_CHANNEL).await?;
        ready();
        let mut stream = pubsub.into_on_message();
        tokio::pin!(stop);
        loop {
            let msg = tokio::select! {
                m = stream.next() => m,
                () = &mut stop => return Ok(()),
            };
            let Some(msg) = msg else {
                return Err(AdminError::Invalid("the Redis subscription ended".into()));
            };
            let channel = msg.get_channel_name().to_string();
            let Ok(text) = msg.get_payload::<String>() else {
                continue;
            };
            let value: serde_json::Value =
                serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
            let line = if channel == EVENTS_CHANNEL {
                MonitorLine {
                    channel,
                    at: Utc::now(),
                    event: value["event"].as_str().unwrap_or("?").to_string(),
                    room_id: value["roomId"]
                        .as_str()
                        .and_then(|r| Uuid::parse_str(r).ok()),
                    data: value["data"].clone(),
                }
            } else {
                MonitorLine {
                    channel,
                    at: Utc::now(),
                    event: value["type"].as_str().unwrap_or("notification").to_string(),
                    room_id: value["metadata"]["chat_room_id"]
                        .as_str()
                        .and_then(|r| Uuid::parse_str(r).ok()),
                    data: value,
                }
            };
            // The reader went away (say, a closed pipe): stop quietly.
            if !each(line) {
                return Ok(());
            }
        }
    }

    /// The audit log: since an instant, about a user (email or id), newest `limit` lines.
    pub async fn audit(
        &self,
        since: Option<DateTime<Utc>>,
        user: Option<&str>,
        limit: i64,
    ) -> AdminResult<Vec<db::AuditRecord>> {
        let user = match user {
            Some(who) => Some(self.find_user(who).await?.user.id),
            None => None,
        };
        Ok(self
            .store
            .audit_log(since, user, limit.clamp(1, 100_000))
            .await?)
    }
}
