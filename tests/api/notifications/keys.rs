//! The VAPID public key: the form `PushManager.subscribe({applicationServerKey})` takes, one
//! key for every instance on a database and across restarts, or the configured one.

use reqwest::Method;

use super::*;
use crate::contract;
use crate::helpers::*;

const KEY_PATH: &str = "/chat/notifications/vapid-public-key";

/// `VAPID_PRIVATE_KEY` for [`a_configured_private_key_gives_its_public_key`]: the scalar
/// 0x0102…20, and its public point (computed with Python's `cryptography`).
const PRIVATE_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA";
const PUBLIC_KEY: &str =
    "BFFcPW6545a5BNP-yn9U_c0MwemXvzddylFa0KbDtANfRTa-OlDzGPv5pUdZAqIhUCvvDVfgjFOyzApW8X2fk1Q";

/// The public key `app` gives `user`, checked for form: 65 bytes, uncompressed (0x04).
async fn public_key(user: &TestUser) -> String {
    let (status, body) = call(user, Method::GET, KEY_PATH, None).await;
    assert_eq!(status, 200, "{body}");
    let key = body["public_key"].as_str().expect("public_key").to_string();
    let bytes = base64url(&key).unwrap_or_else(|| panic!("{key} is not unpadded base64url"));
    assert_eq!(bytes.len(), 65, "an uncompressed P-256 point: {key}");
    assert_eq!(bytes[0], 4, "an uncompressed point starts with 0x04: {key}");
    key
}

async fn the_public_key_is_an_uncompressed_p256_point_for_signed_in_users(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let user = app.customer().await;
    let key = public_key(&user).await;
    // Another user is given the same key: it is the server's, not the caller's.
    assert_eq!(public_key(&app.owner().await).await, key);
    let anonymous = TestUser {
        api: app.api.clone(),
        ..user
    };
    let (status, body) = call(&anonymous, Method::GET, KEY_PATH, None).await;
    assert_error(status, &body, 401);
}

async fn every_instance_on_a_database_gives_one_key_that_survives_a_restart(backend: Backend) {
    let mut first = notify_app(backend, |_| {}).await;
    let user = first.customer().await;
    let key = public_key(&user).await;
    // Never printed: the private key is in no answer.
    let (_, body) = call(&user, Method::GET, KEY_PATH, None).await;
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{body}");

    let mut config = first.state.config.clone();
    config.migrate = false;
    let second = start(config.clone()).await;
    let on_second = TestUser {
        api: second.api.with_token(&user.token),
        user: user.user.clone(),
        token: user.token.clone(),
    };
    assert_eq!(public_key(&on_second).await, key, "both instances agree");

    first.stop().await;
    let restarted = start(config).await;
    let on_restarted = TestUser {
        api: restarted.api.with_token(&user.token),
        user: user.user.clone(),
        token: user.token.clone(),
    };
    assert_eq!(
        public_key(&on_restarted).await,
        key,
        "kept across a restart"
    );
}

async fn a_configured_private_key_gives_its_public_key(backend: Backend) {
    let app = notify_app(backend, |config| {
        config.notify.vapid_private_key = Some(PRIVATE_KEY.into());
    })
    .await;
    let user = app.customer().await;
    assert_eq!(public_key(&user).await, PUBLIC_KEY);
}

contract!(
    the_public_key_is_an_uncompressed_p256_point_for_signed_in_users,
    every_instance_on_a_database_gives_one_key_that_survives_a_restart,
    a_configured_private_key_gives_its_public_key,
);
