//! The flags of offline notifications (Web Push and e-mail digests), each with its
//! environment variable; secrets are never echoed in `--help`.

use std::time::Duration;

use clap::Args;
use tigo_server::notify::NotifyConfig;

use crate::duration;

#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// The VAPID private key (the P-256 scalar, 32 bytes, base64url); unset: generated once
    /// and kept in the database (every instance shares it).
    #[arg(long, env = "VAPID_PRIVATE_KEY", hide_env_values = true)]
    pub vapid_private_key: Option<String>,
    /// Who push services may contact about this sender: `mailto:…` or `https://…`.
    #[arg(
        long,
        env = "VAPID_SUBJECT",
        default_value = "mailto:support@tigo.invalid"
    )]
    pub vapid_subject: String,
    /// `host:port` push services exempt from the internal-address rules (and allowed to use
    /// http://), comma-separated: on-premises push services, tests.
    #[arg(long, env = "PUSH_ALLOWED_HOSTS", value_delimiter = ',')]
    pub push_allowed_hosts: Vec<String>,
    /// How long a push service may take to answer one push.
    #[arg(long, env = "PUSH_TIMEOUT", default_value = "10s", value_parser = duration::parse)]
    pub push_timeout: Duration,
    /// `smtp://`, `smtp+starttls://` or `smtps://` with optional `user:password@`; unset: no
    /// e-mail.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The digests' sender.
    #[arg(
        long,
        env = "EMAIL_FROM",
        default_value = "Tigo <no-reply@tigo.invalid>"
    )]
    pub email_from: String,
    /// How long messages stay unread, with no connection of the user, before a digest.
    #[arg(long, env = "EMAIL_DELAY", default_value = "10m", value_parser = duration::parse)]
    pub email_delay: Duration,
    /// At most one digest per user this often.
    #[arg(long, env = "EMAIL_INTERVAL", default_value = "1h", value_parser = duration::parse)]
    pub email_interval: Duration,
    /// The chat's address for links in e-mails (and the base of unsubscribe links); unset:
    /// this server's own address.
    #[arg(long, env = "APP_URL")]
    pub app_url: Option<String>,
}

impl NotifyArgs {
    pub fn config(self) -> anyhow::Result<NotifyConfig> {
        let subject = self.vapid_subject.trim().to_string();
        anyhow::ensure!(
            subject.starts_with("mailto:") || subject.starts_with("https://"),
            "VAPID_SUBJECT must be a mailto: or https: URL"
        );
        Ok(NotifyConfig {
            vapid_private_key: self.vapid_private_key.filter(|k| !k.trim().is_empty()),
            vapid_subject: subject,
            push_allowed_hosts: self
                .push_allowed_hosts
                .into_iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            smtp_url: self.smtp_url.filter(|u| !u.trim().is_empty()),
            email_from: self.email_from,
            email_delay: self.email_delay,
            email_interval: self.email_interval,
            app_url: self.app_url.filter(|u| !u.trim().is_empty()),
            push_timeout: self.push_timeout.max(Duration::from_millis(100)),
            ..NotifyConfig::default()
        })
    }
}
