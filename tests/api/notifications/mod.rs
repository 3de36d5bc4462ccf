//! Notifications for people who are offline (contract v3): Web Push and e-mail digests, seen
//! end to end through the notification sink that `scripts/services.sh` starts
//! (`tests/notify/sink.py`): a push service that checks each push's VAPID signature and
//! decrypts its payload with code independent of the server's, and a real SMTP server.
//!
//! Tests run in parallel against one sink, so each reads only its own subscriptions' pushes
//! and its own users' mails (every test user has a unique address).

mod digests;
mod failures;
mod keys;
mod members;
mod preferences;
mod push;
mod restart;
mod scaleout;
mod subscriptions;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde_json::{Value, json};
use tigo_client::sio::{Events, Socket};
use tigo_server::Config;
use uuid::Uuid;

use crate::helpers::*;

/// `APP_URL` in these tests: the digest's link to the chat.
pub(crate) const APP_URL: &str = "https://app.tigo.test/inbox";
/// How long a test waits for something the sink should get.
pub(crate) const DEADLINE: Duration = Duration::from_secs(5);
/// How long a test waits, after a later marker arrived, before concluding that something
/// was not sent (deliveries to different subscriptions may overtake each other a little).
pub(crate) const QUIET: Duration = Duration::from_millis(500);
/// How often the sink is polled.
const POLL: Duration = Duration::from_millis(50);

/// The sink's HTTP base URL; the tests fail (never skip) without it.
pub(crate) fn push_url() -> String {
    std::env::var("TEST_PUSH_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_PUSH_URL is not set: run scripts/test.sh, or `source scripts/services.sh; \
             services_install; services_start`, which start the notification sink"
        )
    })
}

/// The sink's SMTP port; the tests fail (never skip) without it.
pub(crate) fn smtp_port() -> u16 {
    let port = std::env::var("TEST_SMTP_PORT").unwrap_or_else(|_| {
        panic!(
            "TEST_SMTP_PORT is not set: run scripts/test.sh, or `source scripts/services.sh; \
             services_install; services_start`, which start the notification sink"
        )
    });
    port.parse()
        .unwrap_or_else(|_| panic!("TEST_SMTP_PORT={port} is not a port"))
}

/// `host:port` of the sink, for `PUSH_ALLOWED_HOSTS`.
pub(crate) fn sink_host() -> String {
    push_url().trim_start_matches("http://").to_string()
}

/// Notifications aimed at the sink with short timings. Digests wait an hour unless a test
/// shortens `email_delay`, so tests about pushes send no mail.
pub(crate) fn notify_config(config: &mut Config) {
    let notify = &mut config.notify;
    notify.vapid_subject = "mailto:ops@tigo.test".into();
    notify.push_allowed_hosts = vec![sink_host()];
    notify.smtp_url = Some(format!("smtp://127.0.0.1:{}", smtp_port()));
    notify.email_from = "Tigo <chat@tigo.test>".into();
    notify.email_delay = Duration::from_secs(3600);
    notify.email_interval = Duration::from_secs(3600);
    notify.app_url = Some(APP_URL.into());
    notify.push_timeout = Duration::from_secs(2);
    notify.retry_base = Duration::from_millis(100);
}

/// A server whose notifications go to the sink; `tweak` changes the config after that.
pub(crate) async fn notify_app(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with(backend, |config| {
        notify_config(config);
        tweak(config);
    })
    .await
}

/// Now, as Unix seconds (the sink stamps what it gets the same way).
pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

/// A browser's push subscription at the sink.
pub(crate) struct Browser {
    /// The sink's id for it (not the server's).
    pub sink_id: String,
    /// What `PushSubscription.toJSON()` gives: `{endpoint, expirationTime, keys}`.
    pub json: Value,
}

impl Browser {
    pub(crate) fn endpoint(&self) -> &str {
        self.json["endpoint"].as_str().expect("an endpoint")
    }
}

/// The sink's HTTP API (see tests/notify/sink.py).
pub(crate) struct Sink {
    base: String,
    http: reqwest::Client,
}

impl Sink {
    pub(crate) fn new() -> Sink {
        Sink {
            base: push_url(),
            http: reqwest::Client::new(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the sink answers");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "sink {path}: {status} {body}");
        body
    }

    /// A new subscription answering pushes as `mode` says ("201", "410", ["429", "201"], …).
    pub(crate) async fn browser(&self, mode: Value) -> Browser {
        self.browser_with(json!({"mode": mode})).await
    }

    /// A new subscription from a full sink request (`{"mode", "retry_after"}`).
    pub(crate) async fn browser_with(&self, request: Value) -> Browser {
        let mut body = self
            .call(Method::POST, "/subscriptions", Some(request))
            .await;
        let sink_id = body["id"].as_str().expect("an id").to_string();
        if let Some(fields) = body.as_object_mut() {
            fields.remove("id");
        }
        Browser {
            sink_id,
            json: body,
        }
    }

    /// Every push the sink got for `browser`, oldest first.
    pub(crate) async fn pushes(&self, browser: &Browser) -> Vec<Value> {
        let path = format!("/subscriptions/{}/pushes", browser.sink_id);
        let body = self.call(Method::GET, &path, None).await;
        body.as_array().cloned().expect("a list of pushes")
    }

    /// The pushes for `browser` once `done` holds for them, within [`DEADLINE`].
    pub(crate) async fn wait_pushes(
        &self,
        browser: &Browser,
        what: &str,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let pushes = self.pushes(browser).await;
            if done(&pushes) {
                return pushes;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: not within {DEADLINE:?}; the sink got {}",
                Value::Array(pushes)
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// The push about `message` that `browser` gets (within [`DEADLINE`]), checked as a
    /// browser would check it: valid VAPID, decrypted.
    pub(crate) async fn push_for(&self, browser: &Browser, message: Uuid) -> Value {
        let pushes = self
            .wait_pushes(browser, &format!("a push for {message}"), |p| {
                !about(p, message).is_empty()
            })
            .await;
        let push = about(&pushes, message)[0].clone();
        assert_valid(&push);
        push
    }

    /// How often the sink's redirect target for `browser` was hit.
    pub(crate) async fn redirect_hits(&self, browser: &Browser) -> u64 {
        let path = format!("/subscriptions/{}", browser.sink_id);
        let body = self.call(Method::GET, &path, None).await;
        body["redirect_hits"].as_u64().expect("redirect_hits")
    }

    /// Every mail the sink got for `to`, oldest first.
    pub(crate) async fn mails(&self, to: &str) -> Vec<Value> {
        let path = format!("/mails?to={}", to.replace('+', "%2B"));
        let body = self.call(Method::GET, &path, None).await;
        body.as_array().cloned().expect("a list of mails")
    }

    /// The mails for `to` once there are at least `n`, within `within`.
    pub(crate) async fn wait_mails(&self, to: &str, n: usize, within: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let mails = self.mails(to).await;
            if mails.len() >= n {
                return mails;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{n} mail(s) to {to}: not within {within:?}; got {}",
                mails.len()
            );
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The pushes whose decrypted payload names `message`.
pub(crate) fn about(pushes: &[Value], message: Uuid) -> Vec<Value> {
    pushes
        .iter()
        .filter(|p| p["payload"]["message_id"] == json!(message))
        .cloned()
        .collect()
}

/// The pushes of a payload type (`new_message`, `read`).
pub(crate) fn of_type(pushes: &[Value], kind: &str) -> Vec<Value> {
    pushes
        .iter()
        .filter(|p| p["payload"]["type"] == kind)
        .cloned()
        .collect()
}

/// Asserts the sink could check a push as a browser would: VAPID valid, payload decrypted.
pub(crate) fn assert_valid(push: &Value) {
    assert_eq!(push["vapid_ok"], json!(true), "VAPID rejected: {push}");
    assert!(push["decrypt_error"].is_null(), "not decryptable: {push}");
    assert!(push["payload"].is_object(), "payload not JSON: {push}");
}

/// `method path` with `body` as `user`: `(status, body)`.
pub(crate) async fn call(
    user: &TestUser,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    user.api
        .raw(method, path, body.as_ref())
        .await
        .expect("the server answers")
}

pub(crate) const SUBSCRIPTIONS: &str = "/chat/notifications/push-subscriptions";
pub(crate) const PREFERENCES: &str = "/chat/notifications/preferences";

/// `POST …/push-subscriptions` with `browser`'s subscription as `user`.
pub(crate) async fn post_subscription(user: &TestUser, browser: &Browser) -> (u16, Value) {
    let body = Some(browser.json.clone());
    call(user, Method::POST, SUBSCRIPTIONS, body).await
}

/// A new sink subscription answering as `mode`, registered for `user` (expects 201).
pub(crate) async fn subscribed(sink: &Sink, user: &TestUser, mode: Value) -> Browser {
    let browser = sink.browser(mode).await;
    let (status, body) = post_subscription(user, &browser).await;
    assert_eq!(status, 201, "subscribing: {body}");
    browser
}

/// The endpoints of `user`'s subscriptions, as `GET …/push-subscriptions` lists them.
pub(crate) async fn endpoints(user: &TestUser) -> Vec<String> {
    let (status, body) = call(user, Method::GET, SUBSCRIPTIONS, None).await;
    assert_eq!(status, 200, "{body}");
    let list = body["subscriptions"].as_array().cloned();
    let list = list.unwrap_or_else(|| panic!("subscriptions in {body}"));
    list.iter()
        .map(|s| s["endpoint"].as_str().expect("endpoint").to_string())
        .collect()
}

/// `PUT …/preferences` as `user`.
pub(crate) async fn put_preferences(user: &TestUser, body: Value) -> (u16, Value) {
    call(user, Method::PUT, PREFERENCES, Some(body)).await
}

/// Preferences with `changes` applied to the defaults, stored for `user` (expects 200).
pub(crate) async fn prefer(user: &TestUser, changes: Value) {
    let mut body = json!({"push": true, "email": "digest", "quiet_hours": null,
                          "muted_rooms": []});
    for (key, value) in changes.as_object().expect("an object") {
        body[key] = value.clone();
    }
    let (status, answer) = put_preferences(user, body).await;
    assert_eq!(status, 200, "{answer}");
}

/// A live Socket.IO connection of `user`: online from the server's point of view.
pub(crate) async fn online(app: &TestApp, user: &TestUser) -> (Socket, Events) {
    let (socket, mut events) = app.socket(user).await;
    events.wait_for("connected", WAIT).await.expect("connected");
    (socket, events)
}

/// The sum of a Prometheus counter's samples with `outcome="…"` on `/metrics`.
pub(crate) async fn counter(app: &TestApp, name: &str, outcome: &str) -> f64 {
    let text = reqwest::get(format!("{}/metrics", app.url))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    let label = format!("outcome=\"{outcome}\"");
    text.lines()
        .filter(|line| line.starts_with(&format!("{name}{{")) && line.contains(&label))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Decodes unpadded base64url (RFC 4648 §5); `None` for any other character.
pub(crate) fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}
