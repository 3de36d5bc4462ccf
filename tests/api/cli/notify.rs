//! `tigo-chat admin notify test --email ADDRESS`: a test e-mail and a test push to each of
//! that user's subscriptions, and a report of what happened to each, with nothing secret in it.

use reqwest::Method;
use serde_json::{Value, json};

use super::*;
use crate::contract;
use crate::helpers::*;
use crate::notifications::{
    Browser, SUBSCRIPTIONS, Sink, assert_valid, call, notify_app, sink_host, smtp_port, subscribed,
};

async fn notify_test_mails_and_pushes_and_reports_each_outcome(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let o = app.owner().await;
    let fine = subscribed(&sink, &o, json!("201")).await;
    let gone = subscribed(&sink, &o, json!("410")).await;
    let (_, listed) = call(&o, Method::GET, SUBSCRIPTIONS, None).await;
    let (smtp, host) = (format!("smtp://127.0.0.1:{}", smtp_port()), sink_host());
    let env = [
        ("SMTP_URL", smtp.as_str()),
        ("EMAIL_FROM", "Tigo <chat@tigo.test>"),
        ("PUSH_ALLOWED_HOSTS", host.as_str()),
        ("VAPID_SUBJECT", "mailto:ops@tigo.test"),
    ];
    let email = o.user.email.clone();
    let args = ["admin", "notify", "test", "--email", &email, "--json"];
    let (code, out, err) = tigo_env(&app, &args, None, &env).await;
    assert_eq!(code, 0, "{out}{err}");
    let expected = [
        json!({"id": id_of(&listed, gone.endpoint()), "outcome": "gone"}),
        json!({"id": id_of(&listed, fine.endpoint()), "outcome": "sent"}),
    ];
    reports_each_outcome(&json(&out), &o, &expected);
    prints_no_key(&fine, &out, &err);
    the_mail_and_a_signed_push_arrive(&sink, &o, &fine).await;

    // Without SMTP_URL there is no e-mail to send; an unknown address is an error.
    let (code, out, err) = tigo_env(&app, &args, None, &env[2..]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(json(&out)["email"]["outcome"], "not_configured", "{out}");
    let unknown = [
        "admin",
        "notify",
        "test",
        "--email",
        "nobody@tigo.test",
        "--json",
    ];
    let (code, _, err) = tigo_env(&app, &unknown, None, &env).await;
    assert!(code != 0, "an unknown address succeeded: {err}");
    assert!(!err.is_empty(), "and says why");
}

/// The id of the listed subscription with `endpoint`.
fn id_of(listed: &Value, endpoint: &str) -> Value {
    let subscriptions = listed["subscriptions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let found = subscriptions
        .iter()
        .find(|s| s["endpoint"] == endpoint)
        .cloned();
    found.unwrap_or_else(|| panic!("{endpoint} in {listed}"))["id"].clone()
}

/// The report names the user, the mail sent, and each push's outcome (`expected`, by outcome).
fn reports_each_outcome(report: &Value, o: &TestUser, expected: &[Value]) {
    assert_eq!(report["user_id"], json!(o.id()), "{report}");
    assert_eq!(
        report["email"],
        json!({"to": o.user.email, "outcome": "sent"}),
        "{report}"
    );
    let mut pushes = report["pushes"].as_array().cloned().unwrap_or_default();
    pushes.sort_by_key(|p| p["outcome"].as_str().unwrap_or_default().to_string());
    assert_eq!(pushes, expected, "{report}");
}

/// Neither output shows the subscription's keys.
fn prints_no_key(browser: &Browser, out: &str, err: &str) {
    for secret in [
        &browser.json["keys"]["p256dh"],
        &browser.json["keys"]["auth"],
    ] {
        let secret = secret.as_str().expect("a key");
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "a key printed"
        );
    }
}

/// The test mail reaches the SMTP server, and the push is signed with the key the servers
/// keep in the database.
async fn the_mail_and_a_signed_push_arrive(sink: &Sink, o: &TestUser, browser: &Browser) {
    sink.wait_mails(&o.user.email, 1, Duration::from_secs(5))
        .await;
    let pushed = sink
        .wait_pushes(browser, "a test push", |p| !p.is_empty())
        .await;
    assert_valid(&pushed[0]);
    let (_, key) = call(o, Method::GET, "/chat/notifications/vapid-public-key", None).await;
    assert_eq!(
        pushed[0]["vapid_k"], key["public_key"],
        "the key kept in the database"
    );
}

contract!(notify_test_mails_and_pushes_and_reports_each_outcome);
