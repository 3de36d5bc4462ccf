//! The rules of offline notifications a client talks to: push subscriptions (checked
//! endpoint and keys; the same endpoint again moves to the caller), preferences (checked
//! quiet hours, muted rooms the caller is a member of) and the one-click unsubscribe.

use base64ct::{Base64UrlUnpadded, Encoding};
use chrono::Utc;
use serde_json::Value;
use tigo_common::{
    EmailPreference, NewPushSubscription, NotificationPreferences, PushSubscriptionInfo, User,
};
use uuid::Uuid;
use web_push_native::p256::PublicKey;

use crate::db::notify::Subscription;
use crate::error::{AppError, AppResult};
use crate::notify::{endpoint, prefs};
use crate::state::AppState;

/// Endpoints longer than this are refused (push services' are a few hundred characters).
const MAX_ENDPOINT: usize = 2048;

/// Stores the caller's subscription: `(it, true)` when new.
pub async fn subscribe(
    state: &AppState,
    user: &User,
    body: Value,
) -> AppResult<(PushSubscriptionInfo, bool)> {
    let new: NewPushSubscription = serde_json::from_value(body).map_err(|err| {
        AppError::validation(format!(
            "expected PushSubscription.toJSON(): {{endpoint, expirationTime, keys: {{p256dh, auth}}}} ({err})"
        ))
    })?;
    if new.endpoint.len() > MAX_ENDPOINT {
        return Err(AppError::validation("endpoint is too long"));
    }
    let allowed = &state.notify.config().push_allowed_hosts;
    let url = endpoint::check(&new.endpoint, allowed)
        .await
        .map_err(AppError::validation)?;
    let key = decode(&new.keys.p256dh)
        .filter(|k| k.len() == 65 && PublicKey::from_sec1_bytes(k).is_ok())
        .ok_or_else(|| {
            AppError::validation("keys.p256dh must be a P-256 public key (65 bytes, base64url)")
        })?;
    let auth = decode(&new.keys.auth)
        .filter(|a| a.len() == 16)
        .ok_or_else(|| AppError::validation("keys.auth must be 16 bytes, base64url"))?;
    let sub = Subscription {
        id: Uuid::now_v7(),
        user_id: user.id,
        endpoint: url.to_string(),
        p256dh: Base64UrlUnpadded::encode_string(&key),
        auth: Base64UrlUnpadded::encode_string(&auth),
        created_at: Utc::now(),
    };
    let (stored, created) = state.store.put_subscription(&sub).await?;
    Ok((info(&stored), created))
}

/// Base64url, padded or not (browsers give it unpadded).
fn decode(s: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(s.trim_end_matches('=')).ok()
}

pub fn info(sub: &Subscription) -> PushSubscriptionInfo {
    PushSubscriptionInfo {
        id: sub.id,
        endpoint: sub.endpoint.clone(),
        created_at: sub.created_at,
    }
}

pub async fn subscriptions(state: &AppState, user: &User) -> AppResult<Vec<PushSubscriptionInfo>> {
    let subs = state.store.subscriptions(user.id).await?;
    Ok(subs.iter().map(info).collect())
}

pub async fn unsubscribe_device(state: &AppState, user: &User, id: Uuid) -> AppResult<()> {
    if state.store.delete_subscription(user.id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("Push subscription not found".into()))
    }
}

pub async fn preferences(state: &AppState, user: &User) -> AppResult<NotificationPreferences> {
    let record = state.store.prefs(user.id).await?;
    Ok(record.as_ref().map(prefs::to_wire).unwrap_or_default())
}

/// Checks and stores the caller's preferences; answers what is stored.
pub async fn put_preferences(
    state: &AppState,
    user: &User,
    body: Value,
) -> AppResult<NotificationPreferences> {
    let wanted: NotificationPreferences = serde_json::from_value(body).map_err(|err| {
        AppError::validation(format!(
            "expected {{push, email: \"digest\"|\"off\", quiet_hours, muted_rooms}} ({err})"
        ))
    })?;
    if let Some(hours) = &wanted.quiet_hours {
        prefs::Quiet::parse(hours).map_err(AppError::validation)?;
    }
    if wanted.muted_rooms.len() > 1000 {
        return Err(AppError::validation("muted_rooms lists too many rooms"));
    }
    for room in &wanted.muted_rooms {
        let member = match crate::chat::room_facts(state, *room).await {
            Ok(access) => crate::chat::is_member(state, &access, user.id).await?,
            Err(AppError::NotFound(_)) => false,
            Err(err) => return Err(err),
        };
        if !member {
            return Err(AppError::validation(format!(
                "muted_rooms: {room} is not a room you are a member of"
            )));
        }
    }
    let record = prefs::to_record(&wanted);
    state.store.put_prefs(user.id, &record).await?;
    Ok(prefs::to_wire(&record))
}

/// The one-click unsubscribe (no login): 401 for a token that is not ours.
pub async fn unsubscribe_email(
    state: &AppState,
    token: Option<&str>,
) -> AppResult<EmailPreference> {
    let user = token
        .and_then(|t| state.notify.unsubscribe_user(t))
        .ok_or_else(|| AppError::Unauthorized("Invalid unsubscribe token".into()))?;
    state.store.email_off(user).await?;
    Ok(EmailPreference::Off)
}
