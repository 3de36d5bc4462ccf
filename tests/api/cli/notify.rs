//! `tigo-chat admin notify test --email ADDRESS`: a test e-mail and a test push to each of
//! that user's subscriptions, and a report of what happened to each, with nothing secret in it.

use reqwest::Method;
use serde_json::json;

use super::*;
use crate::contract;
use crate::helpers::*;
use crate::notifications::{
    SUBSCRIPTIONS, Sink, assert_valid, call, notify_app, sink_host, smtp_port, subscribed,
};

async fn notify_test_mails_and_pushes_and_reports_each_outcome(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let o = app.owner().await;
    let fine = subscribed(&sink, &o, json!("201")).await;
    let gone = subscribed(&sink, &o, json!("410")).await;
    let (_, listed) = call(&o, Method::GET, SUBSCRIPTIONS, None).await;
    let id_of = |endpoint: &str| {
        let subscriptions = listed["subscriptions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let found = subscriptions
            .iter()
            .find(|s| s["endpoint"] == endpoint)
            .cloned();
        found.unwrap_or_else(|| panic!("{endpoint} in {listed}"))["id"].clone()
    };
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
    let report = json(&out);
    assert_eq!(report["user_id"], json!(o.id()), "{report}");
    assert_eq!(
        report["email"],
        json!({"to": email, "outcome": "sent"}),
        "{report}"
    );
    let mut pushes = report["pushes"].as_array().cloned().unwrap_or_default();
    pushes.sort_by_key(|p| p["outcome"].as_str().unwrap_or_default().to_string());
    assert_eq!(
        pushes,
        [
            json!({"id": id_of(gone.endpoint()), "outcome": "gone"}),
            json!({"id": id_of(fine.endpoint()), "outcome": "sent"}),
        ],
        "{report}"
    );
    for secret in [&fine.json["keys"]["p256dh"], &fine.json["keys"]["auth"]] {
        let secret = secret.as_str().expect("a key");
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "a key printed"
        );
    }
    sink.wait_mails(&email, 1, Duration::from_secs(5)).await;
    let pushed = sink
        .wait_pushes(&fine, "a test push", |p| !p.is_empty())
        .await;
    assert_valid(&pushed[0]);
    let (_, key) = call(
        &o,
        Method::GET,
        "/chat/notifications/vapid-public-key",
        None,
    )
    .await;
    assert_eq!(
        pushed[0]["vapid_k"], key["public_key"],
        "the key kept in the database"
    );

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

contract!(notify_test_mails_and_pushes_and_reports_each_outcome);
