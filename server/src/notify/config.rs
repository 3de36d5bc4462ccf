//! What offline notifications are configured with (`VAPID_*`, `PUSH_*`, `SMTP_URL`, `EMAIL_*`,
//! `APP_URL`); `Debug` never shows the VAPID key or the SMTP password.

use std::time::Duration;

#[derive(Clone)]
pub struct NotifyConfig {
    /// The VAPID key pair's secret scalar (32 bytes, base64url); `None`: generated once and
    /// kept in the database, so every instance signs with the same key.
    pub vapid_private_key: Option<String>,
    /// The JWT's `sub`: a `mailto:` or `https:` URL push services may contact.
    pub vapid_subject: String,
    /// `host:port` entries exempt from the internal-address rules (and the only ones that may
    /// use `http://`): on-premises push services, tests.
    pub push_allowed_hosts: Vec<String>,
    /// `smtp://`, `smtp+starttls://` or `smtps://`, optional `user:password@`; `None`: no
    /// e-mail.
    pub smtp_url: Option<String>,
    pub email_from: String,
    /// How long messages stay unread, with no connection of the user, before a digest.
    pub email_delay: Duration,
    /// At most one digest per user this often.
    pub email_interval: Duration,
    /// The chat's address in e-mails (and the base of unsubscribe links); `None`: this
    /// server's own address.
    pub app_url: Option<String>,
    /// How long a push service may take to answer one push.
    pub push_timeout: Duration,
    /// The first back-off after a 429 or 5xx (doubling; `Retry-After` wins, up to a minute).
    pub retry_base: Duration,
    /// How often the notification follower looks for new messages when caught up; `None`:
    /// this instance runs no follower, sender or digests (another instance may).
    pub follow_every: Option<Duration>,
}

impl Default for NotifyConfig {
    fn default() -> NotifyConfig {
        NotifyConfig {
            vapid_private_key: None,
            vapid_subject: "mailto:support@tigo.invalid".into(),
            push_allowed_hosts: Vec::new(),
            smtp_url: None,
            email_from: "Tigo <no-reply@tigo.invalid>".into(),
            email_delay: Duration::from_secs(600),
            email_interval: Duration::from_secs(3600),
            app_url: None,
            push_timeout: Duration::from_secs(10),
            retry_base: Duration::from_secs(1),
            follow_every: Some(Duration::from_millis(100)),
        }
    }
}

impl std::fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyConfig")
            .field(
                "vapid_private_key",
                &self.vapid_private_key.as_ref().map(|_| "***"),
            )
            .field("vapid_subject", &self.vapid_subject)
            .field("push_allowed_hosts", &self.push_allowed_hosts)
            .field(
                "smtp_url",
                &self.smtp_url.as_deref().map(crate::db::redact_url),
            )
            .field("email_from", &self.email_from)
            .field("email_delay", &self.email_delay)
            .field("email_interval", &self.email_interval)
            .field("app_url", &self.app_url)
            .finish_non_exhaustive()
    }
}
