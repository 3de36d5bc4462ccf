//! Deactivating a user or taking admin away takes effect at once: their connections close and
//! their tokens are refused.

use std::time::{Duration, Instant};

use tigo_common::Role;

use crate::cli::tigo;
use crate::contract;
use crate::helpers::*;

/// What the issue allows for a change to reach every instance.
const AT_ONCE: Duration = Duration::from_secs(1);

/// Waits until the connection is closed by the server; how long that took.
async fn closed_within(events: &mut tigo_client::sio::Events, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let left = limit.saturating_sub(started.elapsed());
        match events.next_within(left).await {
            Ok(_) => continue,
            Err(tigo_client::sio::SioError::Closed) => return started.elapsed(),
            Err(err) => panic!("the connection stayed open for {limit:?}: {err}"),
        }
    }
}

/// Polls `check` until it holds; how long that took.
async fn holds_within<F, Fut>(limit: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("did not happen within {limit:?}");
}

async fn deactivation_closes_every_connection_and_refuses_tokens_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    // PostgreSQL: a second instance, with no Redis between them: the change still reaches it.
    let second = match backend {
        Backend::Postgres => {
            let mut config = app.state.config.clone();
            config.migrate = false;
            Some(start(config).await)
        }
        Backend::Sqlite => None,
    };
    let other = second.as_ref().unwrap_or(&app);
    let u = app.customer().await;
    let on_other = other.api.with_token(&u.token);
    let (_s1, mut e1) = app.socket(&u).await;
    let (_s2, mut e2) = other.socket(&u).await;
    // Cached on both: the change must evict it, not wait for it to expire.
    u.api.me().await.expect("active");
    on_other.me().await.expect("active");

    let (code, _, err) = tigo(
        &app,
        &["admin", "deactivate", "--user", &u.user.email],
        None,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let started = Instant::now();
    closed_within(&mut e1, AT_ONCE).await;
    closed_within(&mut e2, AT_ONCE.saturating_sub(started.elapsed())).await;
    holds_within(AT_ONCE.saturating_sub(started.elapsed()), || async {
        u.api.me().await.err().and_then(|e| e.status()) == Some(401)
            && on_other.me().await.err().and_then(|e| e.status()) == Some(401)
    })
    .await;
    let refused = tigo_client::sio::Socket::connect(
        &other.url,
        tigo_client::sio::SocketOptions::with_token(&u.token),
    )
    .await;
    assert!(refused.is_err(), "a deactivated user cannot reconnect");

    let (code, _, err) = tigo(
        &app,
        &["admin", "deactivate", "--user", &u.user.email, "--undo"],
        None,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    holds_within(AT_ONCE, || async {
        u.api.me().await.is_ok() && on_other.me().await.is_ok()
    })
    .await;
    other.socket(&u).await;
}

async fn taking_admin_away_closes_the_connections_that_relied_on_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.user_with(&[Role::Admin, Role::Customer], "Ada").await;
    let carla = app.customer().await;
    let (_sa, mut ea) = app.socket(&ada).await;
    let (_sc, mut ec) = app.socket(&carla).await;
    ea.wait_for("connected", WAIT).await.expect("connected");
    ec.wait_for("connected", WAIT).await.expect("connected");
    // A role that no connection relies on changes nothing for open connections.
    let (code, _, err) = tigo(
        &app,
        &[
            "admin",
            "set-roles",
            "--user",
            &carla.user.email,
            "--role",
            "Customer",
            "--role",
            "HotelOwner",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = tigo(
        &app,
        &[
            "admin",
            "set-roles",
            "--user",
            &ada.user.email,
            "--role",
            "Customer",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    closed_within(&mut ea, AT_ONCE).await;
    holds_within(AT_ONCE, || async {
        ada.api
            .me()
            .await
            .is_ok_and(|me| me.roles == vec![Role::Customer])
    })
    .await;
    let still = ec.collect_for(Duration::from_millis(500)).await;
    assert!(
        !_sc.is_closed() && still.iter().all(|e| e.name != "disconnect"),
        "Carla's connection stays open: {still:?}"
    );
}

contract!(
    deactivation_closes_every_connection_and_refuses_tokens_at_once,
    taking_admin_away_closes_the_connections_that_relied_on_it,
);
