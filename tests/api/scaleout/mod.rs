//! Two `serve` instances on one PostgreSQL and one Redis act as one service.

mod chat;
mod members;
mod notifications;
pub(crate) mod restart;

use std::time::Duration;

use crate::helpers::*;

/// Two instances on one fresh PostgreSQL database and the given Redis.
async fn pair(redis: &str) -> (TestApp, TestApp, TestDb) {
    let db = fresh_db(Backend::Postgres).await;
    let mut config = test_config(&db);
    config.redis_url = Some(redis.into());
    let a = start(config.clone()).await;
    config.migrate = false;
    let b = start(config).await;
    for app in [&a, &b] {
        wait_until_bus_up(app).await;
    }
    (a, b, db)
}

async fn wait_until_bus_up(app: &TestApp) {
    for _ in 0..100 {
        if app.api.health().await.is_ok_and(|h| h.checks.bus == "up") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the bus of {} never came up", app.url);
}

/// A user of instance `app` (users live in the shared database).
async fn on(app: &TestApp, user: &TestUser) -> TestUser {
    TestUser {
        user: user.user.clone(),
        token: user.token.clone(),
        api: app.api.with_token(&user.token),
    }
}
