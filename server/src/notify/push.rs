//! Sending queued pushes: each one encrypted for its subscription (RFC 8291), signed (VAPID),
//! POSTed without following redirects, with a bounded time to answer. 404/410 delete the
//! subscription; 429, 5xx and no answer are tried again with back-off (at most three tries,
//! `Retry-After` honoured up to a minute); a hung push service costs one of a bounded number
//! of sending slots until its timeout, never a send.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use base64ct::{Base64UrlUnpadded, Encoding};
use chrono::Utc;
use reqwest::StatusCode;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use web_push_native::p256::PublicKey;
use web_push_native::{Auth, WebPushBuilder};

use super::{Notifier, NotifyConfig, endpoint};
use crate::db::notify::{ClaimedPush, Subscription};

/// Pushes taken from the queue at once; also the most in flight.
const BATCH: i64 = 32;
/// Tries of one push at most.
const MAX_TRIES: i32 = 3;
/// A `Retry-After` longer than this is cut to it.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Looks at the queue at least this often (retries come due; another instance queued).
const TICK: Duration = Duration::from_secs(1);
/// How long a stopping instance waits for the pushes it is sending.
const DRAIN: Duration = Duration::from_secs(5);
/// The VAPID JWT's lifetime (RFC 8292: at most 24 hours).
const JWT_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// How long a push service may keep it (the contract's `TTL`).
const TTL: &str = "86400";

/// What became of one push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Sent,
    /// The subscription is gone (404/410) and was deleted.
    Gone,
    /// To be tried again.
    Retried,
    Failed,
}

/// The push client: no redirects, no proxy, a bounded time per request, and a resolver that
/// drops internal addresses (see `endpoint`).
pub(super) fn client(config: &NotifyConfig) -> anyhow::Result<reqwest::Client> {
    let names: Vec<String> = config
        .push_allowed_hosts
        .iter()
        .filter_map(|h| {
            h.rsplit_once(':')
                .map(|(host, _)| host.to_ascii_lowercase())
        })
        .collect();
    // HTTPS to push services uses rustls with ring (as the S3 client does); installing it
    // twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(config.push_timeout)
        .connect_timeout(config.push_timeout)
        .dns_resolver(Arc::new(endpoint::Guarded {
            allowed_names: Arc::new(names),
        }))
        .build()
        .context("building the push client")
}

/// Sends what the queue holds until `shutdown`.
pub(super) async fn run(notifier: Notifier, shutdown: CancellationToken) {
    let mut sending: JoinSet<()> = JoinSet::new();
    loop {
        let lease = notifier.inner.config.push_timeout * 2 + Duration::from_secs(5);
        let now = Utc::now();
        let room = BATCH - i64::try_from(sending.len()).unwrap_or(BATCH);
        let claimed = if room > 0 {
            notifier
                .inner
                .store
                .claim_pushes(now, now + lease, room)
                .await
                .unwrap_or_else(|err| {
                    tracing::warn!(%err, "taking pushes from the queue failed");
                    Vec::new()
                })
        } else {
            Vec::new()
        };
        let full = i64::try_from(claimed.len()).unwrap_or(0) == room && room > 0;
        for push in claimed {
            let n = notifier.clone();
            sending.spawn(async move { n.deliver(push).await });
        }
        if full {
            continue;
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = notifier.inner.queued.notified() => {}
            Some(_) = sending.join_next(), if !sending.is_empty() => {}
            () = tokio::time::sleep(TICK) => {}
        }
    }
    // A stop lets what is in flight finish and be settled, so a restart does not send it
    // again; what is still unanswered after a while comes due again when its lease runs out.
    let drain = async { while sending.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(DRAIN, drain).await;
}

impl Notifier {
    /// Delivers one queued push and settles it in the queue.
    async fn deliver(&self, push: ClaimedPush) {
        let store = &self.inner.store;
        let (outcome, retry_after) = self
            .send(
                &push.subscription,
                &push.payload,
                &push.urgency,
                &push.topic,
            )
            .await;
        let outcome = match outcome {
            Outcome::Retried if push.attempts >= MAX_TRIES => Outcome::Failed,
            other => other,
        };
        let settled = match outcome {
            Outcome::Sent | Outcome::Failed => store.finish_push(push.id).await,
            Outcome::Gone => store.forget_subscription(push.subscription.id).await,
            Outcome::Retried => {
                let doubling =
                    self.inner.config.retry_base * 2u32.pow(push.attempts.max(1) as u32 - 1);
                let wait = retry_after.unwrap_or(doubling).min(MAX_BACKOFF);
                let due = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                store.retry_push(push.id, due).await
            }
        };
        self.count(outcome);
        if let Err(err) = settled {
            tracing::warn!(%err, "settling a push in the queue failed");
        }
    }

    /// One push to one subscription now: its outcome, and the `Retry-After` asked for.
    pub async fn send(
        &self,
        sub: &Subscription,
        payload: &str,
        urgency: &str,
        topic: &str,
    ) -> (Outcome, Option<Duration>) {
        let allowed = &self.inner.config.push_allowed_hosts;
        if let Err(why) = endpoint::check(&sub.endpoint, allowed).await {
            tracing::info!(subscription = %sub.id, why, "push endpoint refused at delivery");
            return (Outcome::Failed, None);
        }
        let request = match self.build(sub, payload, urgency, topic) {
            Ok(request) => request,
            Err(err) => {
                tracing::warn!(subscription = %sub.id, %err, "a push could not be built");
                return (Outcome::Failed, None);
            }
        };
        match self.inner.http.execute(request).await {
            Ok(answer) => classify(answer.status(), answer.headers()),
            Err(err) => {
                // No answer in time, or no connection: worth another try.
                tracing::info!(subscription = %sub.id, timeout = err.is_timeout(), "push service did not answer");
                (Outcome::Retried, None)
            }
        }
    }

    fn build(
        &self,
        sub: &Subscription,
        payload: &str,
        urgency: &str,
        topic: &str,
    ) -> anyhow::Result<reqwest::Request> {
        let key = Base64UrlUnpadded::decode_vec(&sub.p256dh).context("p256dh")?;
        let key = PublicKey::from_sec1_bytes(&key).context("p256dh is not a P-256 point")?;
        let auth = Base64UrlUnpadded::decode_vec(&sub.auth).context("auth")?;
        anyhow::ensure!(auth.len() == 16, "auth is not 16 bytes");
        let auth = Auth::clone_from_slice(&auth);
        let uri = sub.endpoint.parse().context("endpoint")?;
        let built = WebPushBuilder::new(uri, key, auth)
            .with_valid_duration(JWT_LIFETIME)
            .with_vapid(&self.inner.vapid, &self.inner.config.vapid_subject)
            .build(payload.as_bytes().to_vec())
            .map_err(|err| anyhow::anyhow!("{err}"))?;
        let (parts, body) = built.into_parts();
        let mut request = reqwest::Request::new(reqwest::Method::POST, sub.endpoint.parse()?);
        *request.headers_mut() = parts.headers;
        let headers = request.headers_mut();
        headers.insert("TTL", reqwest::header::HeaderValue::from_static(TTL));
        headers.insert("Urgency", reqwest::header::HeaderValue::from_str(urgency)?);
        headers.insert("Topic", reqwest::header::HeaderValue::from_str(topic)?);
        *request.body_mut() = Some(body.into());
        Ok(request)
    }
}

/// The push service's answer as an outcome.
fn classify(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
) -> (Outcome, Option<Duration>) {
    match status.as_u16() {
        200..=299 => (Outcome::Sent, None),
        404 | 410 => (Outcome::Gone, None),
        429 | 500..=599 => {
            let after = headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            (Outcome::Retried, after)
        }
        // Redirects are not followed (the target could be internal); other refusals will
        // not change by trying again.
        _ => (Outcome::Failed, None),
    }
}

/// A room's `Topic` (RFC 8030: at most 32 characters of the URL-safe base64 alphabet): its
/// id's 16 bytes, base64url, 22 characters.
pub fn topic(room: uuid::Uuid) -> String {
    Base64UrlUnpadded::encode_string(room.as_bytes())
}
