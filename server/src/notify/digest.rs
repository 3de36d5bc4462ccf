//! E-mail digests: one message per user listing every room with messages unread for
//! `EMAIL_DELAY` while they had no connection, then nothing for `EMAIL_INTERVAL`; a message
//! already in a digest is not sent again. Users are taken from the marks the follower leaves
//! (`email_pending`) by lease, so with any number of instances one sends each digest.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Notifier;
use super::prefs::Rules;
use crate::db::notify::DigestMessage;
use crate::delivery::presence::Presence;

/// How often due digests are looked for.
const TICK: Duration = Duration::from_millis(500);
/// Users taken at once.
const CLAIM: i64 = 20;
/// A user's claim lasts this long (a digest that has not gone by then is taken again).
const LEASE: Duration = Duration::from_secs(120);
/// Unread messages read for one digest at most.
const MESSAGES: i64 = 500;
/// The last messages shown per room.
const SHOWN: usize = 3;

/// The SMTP transport and the sender's address.
pub(super) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `smtp://` (plain), `smtp+starttls://` (STARTTLS required) or `smtps://` (TLS).
    pub(super) fn open(url: &str, from: &str) -> anyhow::Result<Mailer> {
        let url = match url.strip_prefix("smtp+starttls://") {
            Some(rest) if rest.contains('?') => format!("smtp://{rest}&tls=required"),
            Some(rest) => format!("smtp://{rest}?tls=required"),
            None => url.to_string(),
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .with_context(|| format!("invalid SMTP_URL {}", crate::db::redact_url(&url)))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .context("EMAIL_FROM is not an e-mail address")?;
        Ok(Mailer { transport, from })
    }
}

/// Sends due digests until `shutdown`.
pub(super) async fn run(notifier: Notifier, presence: Presence, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(TICK) => {}
            () = shutdown.cancelled() => return,
        }
        let now = Utc::now();
        let lease = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let store = &notifier.inner.store;
        let claimed = match store.claim_digests(now, lease, CLAIM).await {
            Ok(claimed) => claimed,
            Err(err) => {
                tracing::warn!(%err, "taking due digests failed");
                continue;
            }
        };
        for (user, version) in claimed {
            if let Err(err) = notifier.digest(&presence, (user, version)).await {
                tracing::warn!(%err, "a digest failed; it is tried again when its claim runs out");
            }
        }
    }
}

/// One room's part of a digest.
struct RoomDigest {
    title: String,
    unread: usize,
    /// Oldest first.
    last: Vec<DigestMessage>,
}

impl Notifier {
    /// Sends the user's digest if one is owed now, else says when to look again.
    async fn digest(&self, presence: &Presence, claim: (Uuid, i64)) -> anyhow::Result<()> {
        let (user, _) = claim;
        let store = &self.inner.store;
        let config = &self.inner.config;
        let now = Utc::now();
        let delay = chrono::Duration::from_std(config.email_delay).unwrap_or_default();
        let interval = chrono::Duration::from_std(config.email_interval).unwrap_or_default();
        let record = store.prefs(user).await?;
        let rules = Rules::of(record.as_ref());
        let Some(account) = store.user_by_id(user).await?.filter(|u| u.is_active) else {
            return Ok(store.digest_later(claim, None, now).await?);
        };
        if !rules.email {
            return Ok(store.digest_later(claim, None, now).await?);
        }
        // Connected now, or lately, or mailed lately, or in quiet hours: not yet.
        let mut wait_until = None;
        if presence.online(&[user]).await.contains(&user) {
            wait_until = Some(now + delay);
        }
        let record = record.unwrap_or_else(|| super::prefs::to_record(&Default::default()));
        for at in [
            record.last_seen_at.map(|t| t + delay),
            record.emailed_at.map(|t| t + interval),
            rules
                .quiet
                .filter(|q| q.contains(now))
                .map(|q| q.end_after(now)),
        ]
        .into_iter()
        .flatten()
        {
            if at > now {
                wait_until = Some(wait_until.map_or(at, |w: DateTime<Utc>| w.max(at)));
            }
        }
        if let Some(at) = wait_until {
            return Ok(store.digest_later(claim, Some(at), now).await?);
        }
        let unread = store.digest_messages(user, now, MESSAGES).await?;
        let (rooms, newest, next) = owed(&unread, &rules, record.emailed_seq, now - delay);
        if rooms.is_empty() {
            let next = next.map(|t| t + delay);
            return Ok(store.digest_later(claim, next, now + delay).await?);
        }
        let token = self.inner.unsubscribe.sign(user);
        let mail = self.compose(&account.user.email, &rooms, &token)?;
        self.mail(mail).await?;
        store
            .digest_sent(user, (now, newest), now + interval)
            .await?;
        Ok(())
    }

    /// Builds the digest: plain text and HTML, with RFC 8058's one-click unsubscribe.
    fn compose(&self, to: &str, rooms: &[RoomDigest], token: &str) -> anyhow::Result<Message> {
        let Some(mailer) = &self.inner.mailer else {
            anyhow::bail!("no SMTP_URL");
        };
        let total: usize = rooms.iter().map(|r| r.unread).sum();
        let subject = if total == 1 {
            "1 unread message on Tigo".to_string()
        } else {
            format!("{total} unread messages on Tigo")
        };
        let link = format!("{}/chat", self.inner.app_url);
        let unsubscribe = format!(
            "{}/chat/notifications/unsubscribe?token={token}",
            self.inner.app_url
        );
        let (text, html) = super::digest_body::render(rooms_view(rooms), &link, &unsubscribe);
        Message::builder()
            .from(mailer.from.clone())
            .to(to.parse().context("the user's e-mail address")?)
            .subject(subject)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{unsubscribe}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .context("building the digest")
    }

    async fn mail(&self, mail: Message) -> anyhow::Result<()> {
        let Some(mailer) = &self.inner.mailer else {
            anyhow::bail!("no SMTP_URL");
        };
        let counters = &self.inner.counters;
        match mailer.transport.send(mail).await {
            Ok(_) => {
                counters.emails_sent.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(err) => {
                counters.emails_failed.fetch_add(1, Ordering::Relaxed);
                Err(anyhow::anyhow!("the SMTP server refused the mail: {err}"))
            }
        }
    }
}

/// The rooms owed a digest (a message past `emailed_seq`, unread since before `cutoff`, not
/// muted), the newest message number in them, and when the oldest message not yet old
/// enough was written (to look again).
fn owed(
    unread: &[DigestMessage],
    rules: &Rules,
    emailed_seq: i64,
    cutoff: DateTime<Utc>,
) -> (Vec<RoomDigest>, i64, Option<DateTime<Utc>>) {
    let mut by_room: BTreeMap<Uuid, Vec<&DigestMessage>> = BTreeMap::new();
    for m in unread.iter().filter(|m| !rules.muted.contains(&m.room)) {
        by_room.entry(m.room).or_default().push(m);
    }
    let mut rooms = Vec::new();
    let mut newest = emailed_seq;
    let mut next: Option<DateTime<Utc>> = None;
    for messages in by_room.values() {
        // Newest first, as read.
        let fresh: Vec<&&DigestMessage> = messages.iter().filter(|m| m.seq > emailed_seq).collect();
        if fresh.is_empty() {
            continue;
        }
        if !fresh.iter().any(|m| m.created_at <= cutoff) {
            let oldest = fresh.iter().map(|m| m.created_at).min();
            next = match (next, oldest) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            continue;
        }
        newest = newest.max(messages.iter().map(|m| m.seq).max().unwrap_or(0));
        // Only messages no digest had: a message is mailed once.
        let mut last: Vec<DigestMessage> =
            fresh.iter().take(SHOWN).map(|m| (**m).clone()).collect();
        last.reverse();
        rooms.push(RoomDigest {
            title: title(messages),
            unread: messages.len(),
            last,
        });
    }
    (rooms, newest, next)
}

/// Who wrote: the hotel's name for a hotel room seen from the guest's side, else the
/// senders' names.
fn title(messages: &[&DigestMessage]) -> String {
    if let Some(hotel) = messages.iter().find_map(|m| m.hotel_name.clone()) {
        return hotel;
    }
    let mut names: Vec<String> = Vec::new();
    for m in messages.iter().rev() {
        let name = format!("{} {}", m.sender_first_name, m.sender_last_name);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join(", ")
}

fn rooms_view(rooms: &[RoomDigest]) -> Vec<super::digest_body::Room<'_>> {
    rooms
        .iter()
        .map(|r| super::digest_body::Room {
            title: &r.title,
            unread: r.unread,
            last: r
                .last
                .iter()
                .map(|m| {
                    let said = super::shown(&m.kind, m.file_name.as_deref(), &m.content);
                    (m.sender_first_name.as_str(), said)
                })
                .collect(),
        })
        .collect()
}

/// What `admin notify test` reports of the test e-mail.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TestMail {
    pub to: String,
    /// `sent`, `off` (the user turned e-mail off), `not_configured` or `failed`.
    pub outcome: &'static str,
}

impl Notifier {
    /// Sends a short test e-mail to `to` now.
    pub async fn test_mail(&self, to: &str, email_on: bool) -> TestMail {
        let outcome = if self.inner.mailer.is_none() {
            "not_configured"
        } else if !email_on {
            "off"
        } else {
            match self.test_message(to) {
                Ok(mail) => match self.mail(mail).await {
                    Ok(()) => "sent",
                    Err(_) => "failed",
                },
                Err(_) => "failed",
            }
        };
        TestMail {
            to: to.to_string(),
            outcome,
        }
    }

    fn test_message(&self, to: &str) -> anyhow::Result<Message> {
        let Some(mailer) = &self.inner.mailer else {
            anyhow::bail!("no SMTP_URL");
        };
        Ok(Message::builder()
            .from(mailer.from.clone())
            .to(to.parse()?)
            .subject("Tigo chat: test e-mail")
            .body(format!(
                "This is a test e-mail from Tigo chat. Digests of unread messages will look like \
                 they come from this address.\n\n{}/chat\n",
                self.inner.app_url
            ))?)
    }
}
