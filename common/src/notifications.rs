//! The wire types of offline notifications (contract v3): push subscriptions as the browser's
//! `PushSubscription.toJSON()` gives them, and each user's notification preferences.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /chat/notifications/vapid-public-key`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VapidPublicKey {
    /// The uncompressed P-256 point (65 bytes), base64url without padding: what
    /// `PushManager.subscribe({applicationServerKey})` takes.
    pub public_key: String,
}

/// `POST /chat/notifications/push-subscriptions`: `PushSubscription.toJSON()`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPushSubscription {
    pub endpoint: String,
    /// Milliseconds since the epoch, or null; kept by the browser, not used by the server.
    #[serde(default)]
    pub expiration_time: Option<f64>,
    pub keys: PushKeys,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushKeys {
    /// The browser's P-256 public key (65 bytes, uncompressed), base64url.
    pub p256dh: String,
    /// The 16-byte authentication secret, base64url.
    pub auth: String,
}

/// A stored subscription as its owner sees it (its keys are never shown again).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSubscriptionInfo {
    pub id: Uuid,
    pub endpoint: String,
    pub created_at: DateTime<Utc>,
}

/// `GET /chat/notifications/push-subscriptions`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSubscriptions {
    pub subscriptions: Vec<PushSubscriptionInfo>,
}

/// `GET`/`PUT /chat/notifications/preferences`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPreferences {
    pub push: bool,
    pub email: EmailPreference,
    pub quiet_hours: Option<QuietHours>,
    pub muted_rooms: Vec<Uuid>,
}

impl Default for NotificationPreferences {
    fn default() -> NotificationPreferences {
        NotificationPreferences {
            push: true,
            email: EmailPreference::Digest,
            quiet_hours: None,
            muted_rooms: Vec::new(),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailPreference {
    Digest,
    Off,
}

impl EmailPreference {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailPreference::Digest => "digest",
            EmailPreference::Off => "off",
        }
    }
}

/// No push between `start` and `end` (`HH:MM`, local time of the IANA `timezone`; `start`
/// after `end` spans midnight); e-mail waits until they end.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: String,
    pub end: String,
    pub timezone: String,
}

/// `POST /chat/notifications/unsubscribe?token=…`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsubscribed {
    /// Always `off`.
    pub email: EmailPreference,
}
