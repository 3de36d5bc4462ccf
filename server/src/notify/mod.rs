//! Notifications for people who are offline (contract v3): Web Push (RFC 8030, payloads
//! encrypted per RFC 8291, VAPID per RFC 8292) and e-mail digests. Sending a message never
//! waits for any of it: the notification follower (`follow`) reads the stored messages after
//! their commit, decides who is owed a push or a digest and queues that in the database in
//! the same transaction as its position, so a restart resumes without losing or repeating a
//! decision and any number of instances decide each message once; the push sender (`push`)
//! and the digest writer (`digest`) take queued work by lease.

mod config;
mod digest;
mod digest_body;
pub mod endpoint;
mod follow;
pub mod prefs;
mod push;
pub mod token;

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use base64ct::{Base64UrlUnpadded, Encoding};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair};

pub use config::NotifyConfig;
pub use digest::TestMail;
pub use push::Outcome;

use crate::db::Store;
use crate::delivery::presence::Presence;

/// Outcomes counted for `/metrics`.
#[derive(Default)]
pub struct Counters {
    pub pushes_sent: AtomicU64,
    pub pushes_gone: AtomicU64,
    pub pushes_retried: AtomicU64,
    pub pushes_failed: AtomicU64,
    pub emails_sent: AtomicU64,
    pub emails_failed: AtomicU64,
}

/// The handle every part of the service uses for notifications (cheap to clone).
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    config: NotifyConfig,
    vapid: ES256KeyPair,
    public_key: String,
    http: reqwest::Client,
    mailer: Option<digest::Mailer>,
    /// Signs one-click unsubscribe links.
    unsubscribe: token::Signer,
    /// Where links in e-mails point.
    app_url: String,
    counters: Counters,
    /// Pushes were queued: the sender looks now rather than at its next tick.
    queued: Notify,
}

impl Notifier {
    /// Resolves the VAPID key (configured, or generated once and kept in the database), the
    /// push client and the mailer. `origin`: this server's own address, for links when
    /// `APP_URL` is unset.
    pub async fn open(
        store: Arc<dyn Store>,
        config: NotifyConfig,
        secret: &[u8],
        origin: &str,
    ) -> anyhow::Result<Notifier> {
        let vapid = vapid_key(store.as_ref(), config.vapid_private_key.as_deref()).await?;
        let public_key = Base64UrlUnpadded::encode_string(
            &vapid.public_key().public_key().to_bytes_uncompressed(),
        );
        let http = push::client(&config)?;
        let mailer = match &config.smtp_url {
            Some(url) => Some(digest::Mailer::open(url, &config.email_from)?),
            None => None,
        };
        let app_url = config
            .app_url
            .clone()
            .unwrap_or_else(|| origin.to_string())
            .trim_end_matches('/')
            .to_string();
        Ok(Notifier {
            inner: Arc::new(Inner {
                store,
                config,
                vapid,
                public_key,
                http,
                mailer,
                unsubscribe: token::Signer::new(secret),
                app_url,
                counters: Counters::default(),
                queued: Notify::new(),
            }),
        })
    }

    /// Starts the follower, the push sender and (with SMTP) the digest writer, unless this
    /// instance runs none (`follow_every` unset).
    pub fn spawn(&self, presence: Presence, (tasks, shutdown): (&TaskTracker, CancellationToken)) {
        let Some(every) = self.inner.config.follow_every else {
            return;
        };
        tasks.spawn(follow::run(
            self.clone(),
            presence.clone(),
            every,
            shutdown.clone(),
        ));
        tasks.spawn(push::run(self.clone(), shutdown.clone()));
        if self.inner.mailer.is_some() {
            tasks.spawn(digest::run(self.clone(), presence, shutdown));
        }
    }

    /// The VAPID public key, as `PushManager.subscribe` takes it.
    pub fn public_key(&self) -> &str {
        &self.inner.public_key
    }

    pub fn config(&self) -> &NotifyConfig {
        &self.inner.config
    }

    pub fn email_configured(&self) -> bool {
        self.inner.mailer.is_some()
    }

    /// The user of a one-click unsubscribe token, when the token is ours.
    pub fn unsubscribe_user(&self, token: &str) -> Option<Uuid> {
        self.inner.unsubscribe.verify(token)
    }

    /// A user read a room: their devices hear it (to clear a shown notification), after the
    /// read, off the caller's path.
    pub fn read(&self, tasks: &TaskTracker, user: Uuid, room: Uuid) {
        let this = self.clone();
        tasks.spawn(async move {
            if let Err(err) = this.queue_read(user, room).await {
                tracing::warn!(%err, "queueing the read push failed");
            }
        });
    }

    /// A connection of the user began or ended: digests wait for `EMAIL_DELAY` after it.
    pub fn seen(&self, tasks: &TaskTracker, user: Uuid) {
        if self.inner.mailer.is_none() {
            return;
        }
        let store = self.inner.store.clone();
        tasks.spawn(async move {
            if let Err(err) = store.seen(user, chrono::Utc::now()).await {
                tracing::warn!(%err, "recording when the user was last connected failed");
            }
        });
    }

    /// `tigo_pushes_total`, `tigo_emails_total` and the pushes waiting.
    pub async fn render(&self, out: &mut String) {
        let c = &self.inner.counters;
        let _ = writeln!(
            out,
            "# HELP tigo_pushes_total Web Push requests by outcome (retried: a 429, 5xx or no answer, tried again).\n# TYPE tigo_pushes_total counter"
        );
        for (outcome, n) in [
            ("sent", &c.pushes_sent),
            ("gone", &c.pushes_gone),
            ("retried", &c.pushes_retried),
            ("failed", &c.pushes_failed),
        ] {
            let _ = writeln!(
                out,
                "tigo_pushes_total{{outcome=\"{outcome}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP tigo_emails_total E-mail digests (and test mails) by outcome.\n# TYPE tigo_emails_total counter"
        );
        for (outcome, n) in [("sent", &c.emails_sent), ("failed", &c.emails_failed)] {
            let _ = writeln!(
                out,
                "tigo_emails_total{{outcome=\"{outcome}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        let waiting = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            self.inner.store.pushes_waiting(),
        )
        .await;
        if let Ok(Ok(n)) = waiting {
            let _ = writeln!(
                out,
                "# HELP tigo_pushes_waiting Pushes queued and not yet delivered (all instances).\n# TYPE tigo_pushes_waiting gauge\ntigo_pushes_waiting {n}"
            );
        }
    }

    fn count(&self, outcome: Outcome) {
        let c = &self.inner.counters;
        let counter = match outcome {
            Outcome::Sent => &c.pushes_sent,
            Outcome::Gone => &c.pushes_gone,
            Outcome::Retried => &c.pushes_retried,
            Outcome::Failed => &c.pushes_failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// What a push or a digest shows of a message: its text as stored (masked where masking
/// applies), a file's name, or that it is a voice message.
fn shown(kind: &str, file_name: Option<&str>, content: &str) -> String {
    match (kind, file_name) {
        ("voice", _) => "🎤 Voice message".into(),
        (_, Some(name)) if kind != "text" || content.is_empty() => format!("📎 {name}"),
        _ => content.to_string(),
    }
}

/// The configured key, or the one kept in the database (generated by the first instance).
async fn vapid_key(store: &dyn Store, configured: Option<&str>) -> anyhow::Result<ES256KeyPair> {
    let encoded = match configured {
        Some(key) => key.trim().to_string(),
        None => {
            let fresh = Base64UrlUnpadded::encode_string(&ES256KeyPair::generate().to_bytes());
            store
                .setting_get_or_insert("vapid_private_key", &fresh)
                .await
                .context("reading the stored VAPID key")?
        }
    };
    let bytes = Base64UrlUnpadded::decode_vec(encoded.trim_end_matches('='))
        .ok()
        .filter(|b| b.len() == 32)
        .context("VAPID_PRIVATE_KEY must be a P-256 private key: 32 bytes, base64url")?;
    ES256KeyPair::from_bytes(&bytes)
        .map_err(|_| anyhow::anyhow!("VAPID_PRIVATE_KEY is not a valid P-256 private key"))
}
