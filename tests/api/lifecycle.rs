//! An instance started and stopped in-process leaves nothing behind: every background task
//! has stopped, the port refuses connections, its database connections are gone and so are its
//! Redis connections (subscription and commands).

use std::time::Duration;

use serde_json::json;
use sqlx::Connection;
use tigo_client::sio::Socket;
use tigo_server::db::DatabaseConfig;

use crate::helpers::*;
use crate::scaleout::restart::OwnRedis;

crate::contract!(stopping_leaves_no_task_or_connection_behind);

async fn stopping_leaves_no_task_or_connection_behind(backend: Backend) {
    let redis = OwnRedis::start(free_port());
    let db = fresh_db(backend).await;
    let mut config = test_config(&db);
    config.redis_url = Some(redis.url());
    config.limits.typing_ttl = Duration::from_secs(60);
    let mut app = start(config).await;
    let addr = app.local_addr();
    let tasks = app.state.tasks.clone();
    // Some traffic, so every kind of task has run: a message, a receipt, a typing timer.
    let sockets = busy_room(&app).await;
    assert!(!tasks.is_empty(), "the instance runs background tasks");

    tokio::time::timeout(Duration::from_secs(15), app.stop())
        .await
        .expect("the server stops within the grace period");
    // The test's own handles go too: what is left is what the server left.
    drop(app);
    drop(sockets);
    assert!(tasks.is_closed(), "shutdown closed the tracker");
    assert_eq!(tasks.len(), 0, "a background task outlived shutdown");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the port still accepts connections"
    );
    assert_database_released(&db.config).await;
    assert_redis_released(&redis.url()).await;
}

/// A customer and an owner in a room: a message sent and received over sockets, a typing
/// indicator left on. Returns the sockets (kept open until the server has stopped).
async fn busy_room(app: &TestApp) -> Vec<Socket> {
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (cs, mut c_events) = app.socket(&c).await;
    let (os, mut o_events) = app.socket(&o).await;
    c_events
        .wait_for("connected", WAIT)
        .await
        .expect("connected");
    o_events
        .wait_for("connected", WAIT)
        .await
        .expect("connected");
    cs.emit_ack("typing_start", &json!({"roomId": room.id}), WAIT)
        .await
        .expect("typing");
    send_ack(&cs, room.id, "hello before shutdown").await;
    o_events
        .wait_for("new_message", WAIT)
        .await
        .expect("new_message");
    c_events
        .wait_for("message_delivered", WAIT)
        .await
        .expect("message_delivered");
    vec![cs, os]
}

/// Nothing of the server holds the database: the SQLite file can be locked exclusively (and
/// its write-ahead log was folded back on close); PostgreSQL shows no session on it.
async fn assert_database_released(config: &DatabaseConfig) {
    match config {
        DatabaseConfig::Sqlite { path } => {
            // The commit thread ends just after the store closes: allow it a moment.
            for _ in 0..50 {
                if sqlite_released(path).await {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!(
                "the stopped server still holds the SQLite file (its log is open or it is locked)"
            );
        }
        DatabaseConfig::Postgres { url } => {
            let name = url.rsplit('/').next().unwrap_or_default().to_owned();
            let mut conn = sqlx::PgConnection::connect(&pg_url())
                .await
                .expect("connect to TEST_PG_URL");
            // A backend leaves pg_stat_activity a moment after its client said goodbye.
            let mut sessions = 0;
            for _ in 0..50 {
                sessions = sqlx::query_scalar::<_, i64>(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
                )
                .bind(&name)
                .fetch_one(&mut conn)
                .await
                .expect("pg_stat_activity");
                if sessions == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let _ = conn.close().await;
            assert_eq!(
                sessions, 0,
                "sessions of the stopped server remain on {name}"
            );
        }
    }
}

/// No write-ahead log is left (the last connection folded it back) and a write lock that
/// shuts out every other connection can be taken at once.
async fn sqlite_released(path: &str) -> bool {
    if std::path::Path::new(&format!("{path}-wal")).exists() {
        return false;
    }
    let Ok(mut conn) = sqlx::SqliteConnection::connect(&format!("sqlite://{path}")).await else {
        return false;
    };
    let locked = sqlx::raw_sql(
        "PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;",
    )
    .execute(&mut conn)
    .await
    .is_ok();
    let _ = conn.close().await;
    locked
}

/// The private Redis has no connection of the server left: neither its subscription (the
/// subscriber heard shutdown and let go) nor its command connection (presence and the
/// publisher; closed once shutdown dropped the last handle of it). The test's own connection,
/// the one asking, is the only client.
async fn assert_redis_released(url: &str) {
    let client = redis::Client::open(url).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to the private redis");
    let own: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut conn)
        .await
        .expect("CLIENT ID");
    let own = format!("id={own} ");
    let mut left = Vec::new();
    for _ in 0..50 {
        let list: String = redis::cmd("CLIENT")
            .arg("LIST")
            .query_async(&mut conn)
            .await
            .expect("CLIENT LIST");
        left = list
            .lines()
            .filter(|l| !l.starts_with(&own))
            .map(str::to_owned)
            .collect();
        if left.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("redis connections of the stopped server remain: {left:#?}");
}
