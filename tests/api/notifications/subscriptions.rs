//! Push subscriptions: storing what `PushSubscription.toJSON()` gives, listing and deleting
//! one's own, moving an endpoint to whoever registers it last, and refusing keys that are
//! not P-256 keys and endpoints the server must not POST to (SSRF, every address form).

use reqwest::Method;
use serde_json::{Value, json};

use super::*;
use crate::contract;
use crate::helpers::*;

/// `DELETE …/push-subscriptions/:id` as `user`.
async fn delete(user: &TestUser, id: &str) -> (u16, Value) {
    call(user, Method::DELETE, &format!("{SUBSCRIPTIONS}/{id}"), None).await
}

async fn subscriptions_are_stored_listed_moved_and_deleted(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let (c, o) = (app.customer().await, app.owner().await);
    let (phone, laptop) = (
        sink.browser(json!("201")).await,
        sink.browser(json!("201")).await,
    );

    let (status, first) = post_subscription(&c, &phone).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["endpoint"], phone.json["endpoint"]);
    assert!(first["id"].is_string(), "{first}");
    assert!(first["created_at"].is_string(), "{first}");
    // Nothing secret comes back: not the keys.
    assert!(first.get("keys").is_none(), "{first}");
    let (status, again) = post_subscription(&c, &phone).await;
    assert_eq!(status, 200, "the same endpoint again: {again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(post_subscription(&c, &laptop).await.0, 201);
    let mut mine = endpoints(&c).await;
    mine.sort();
    let mut expected = vec![phone.endpoint().to_string(), laptop.endpoint().to_string()];
    expected.sort();
    assert_eq!(mine, expected, "the caller's, each once");
    assert!(endpoints(&o).await.is_empty(), "only the caller's");

    // The phone changes hands: the endpoint moves to the new user.
    let (status, moved) = post_subscription(&o, &phone).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(endpoints(&o).await, [phone.endpoint()]);
    assert_eq!(endpoints(&c).await, [laptop.endpoint()]);

    // Someone else's subscription, or none: 404, and it stays.
    let (_, listed) = call(&o, Method::GET, SUBSCRIPTIONS, None).await;
    let phone_id = listed["subscriptions"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, body) = delete(&c, &phone_id).await;
    assert_error(status, &body, 404);
    let (status, body) = delete(&c, &uuid::Uuid::new_v4().to_string()).await;
    assert_error(status, &body, 404);
    assert_eq!(endpoints(&o).await, [phone.endpoint()]);
    let (status, _) = delete(&o, &phone_id).await;
    assert_eq!(status, 204);
    assert!(endpoints(&o).await.is_empty());

    // Without a token: 401.
    let anonymous = TestUser {
        api: app.api.clone(),
        ..c
    };
    let (status, body) = post_subscription(&anonymous, &phone).await;
    assert_error(status, &body, 401);
}

/// `browser`'s subscription with one part replaced (`pointer` as in RFC 6901).
fn with(browser: &Browser, pointer: &str, value: Value) -> Value {
    let mut body = browser.json.clone();
    *body.pointer_mut(pointer).expect("a field") = value;
    body
}

async fn keys_that_are_not_a_p256_point_and_a_16_byte_secret_are_refused(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let c = app.customer().await;
    let browser = Sink::new().browser(json!("201")).await;
    let not_on_curve =
        "BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAI";
    let p256dh = browser.json["keys"]["p256dh"].as_str().expect("p256dh");
    let auth = browser.json["keys"]["auth"].as_str().expect("auth");
    let bad = [
        ("/keys/p256dh", json!("not base64 at all!")),
        ("/keys/p256dh", json!(&p256dh[..44])), // 33 bytes: a compressed point
        ("/keys/p256dh", json!(not_on_curve)),
        ("/keys/p256dh", json!("")),
        ("/keys/auth", json!(&auth[..20])),         // 15 bytes
        ("/keys/auth", json!(format!("{auth}AA"))), // 18 bytes
        ("/keys/auth", json!(null)),
        ("/keys", json!(null)),
        ("/endpoint", json!("not a url")),
    ];
    for (pointer, value) in bad {
        let body = with(&browser, pointer, value.clone());
        let (status, answer) = call(&c, Method::POST, SUBSCRIPTIONS, Some(body)).await;
        assert_eq!(status, 400, "{pointer} = {value}: {answer}");
        assert_error(status, &answer, 400);
    }
    assert!(endpoints(&c).await.is_empty(), "nothing stored");
    // The untouched subscription is fine.
    assert_eq!(post_subscription(&c, &browser).await.0, 201);
}

/// Endpoints that name an internal address in some form, or a host not allowed plain HTTP.
fn forbidden_endpoints() -> Vec<String> {
    let allowed = sink_host();
    let (_, sink_port) = allowed.rsplit_once(':').expect("host:port");
    let other_port: u16 = sink_port.parse::<u16>().expect("port") ^ 1;
    let mut endpoints: Vec<String> = [
        "https://127.0.0.1/push/x",
        "https://127.1.2.3/push/x",
        "https://[::1]/push/x",
        "https://[::ffff:127.0.0.1]/push/x",
        "https://[::ffff:7f00:1]/push/x",
        "https://[0:0:0:0:0:ffff:10.0.0.1]/push/x",
        "https://2130706433/push/x",
        "https://0177.0.0.1/push/x",
        "https://0x7f.1/push/x",
        "https://0x7f000001/push/x",
        "https://127.0.0.1./push/x",
        "https://localhost/push/x",
        "https://LOCALHOST./push/x",
        "https://10.0.0.1/push/x",
        "https://172.16.5.4/push/x",
        "https://192.168.1.1/push/x",
        "https://100.64.0.1/push/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[fe80::1]/push/x",
        "https://[fc00::1]/push/x",
        "https://[fd12:3456::1]/push/x",
        "https://0.0.0.0/push/x",
        "https://[::]/push/x",
        "https://224.0.0.1/push/x",
        "https://255.255.255.255/push/x",
        "https://user@127.0.0.1/push/x",
        // Plain HTTP only for the allowed hosts, and only on their port.
        "http://push.example.com/push/x",
        "ftp://push.example.com/push/x",
        "javascript:alert(1)",
    ]
    .map(String::from)
    .to_vec();
    endpoints.push(format!("http://127.0.0.1:{other_port}/push/x"));
    endpoints.push(format!("https://127.0.0.1:{other_port}/push/x"));
    endpoints
}

async fn endpoints_naming_internal_addresses_are_refused(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let c = app.customer().await;
    let browser = Sink::new().browser(json!("201")).await;
    let mut accepted = Vec::new();
    for endpoint in forbidden_endpoints() {
        let body = with(&browser, "/endpoint", json!(endpoint));
        let (status, answer) = call(&c, Method::POST, SUBSCRIPTIONS, Some(body)).await;
        if status != 400 {
            accepted.push(format!("{endpoint} -> {status} {answer}"));
        } else {
            assert_error(status, &answer, 400);
        }
    }
    assert!(accepted.is_empty(), "not refused: {accepted:#?}");
    assert!(endpoints(&c).await.is_empty(), "nothing stored");
    // The allowed host itself, over plain HTTP, is fine (the sink is one).
    assert_eq!(post_subscription(&c, &browser).await.0, 201);
}

contract!(
    subscriptions_are_stored_listed_moved_and_deleted,
    keys_that_are_not_a_p256_point_and_a_16_byte_secret_are_refused,
    endpoints_naming_internal_addresses_are_refused,
);
