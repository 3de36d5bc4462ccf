//! Operating commands: `admin health` and `admin stats`, `smoke`, `admin audit`, the Redis-backed
//! `admin online` and `admin monitor`, and `completions`.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use tokio::io::AsyncBufReadExt;

use super::*;
use crate::contract;
use crate::helpers::*;

async fn health_and_stats_report_on_the_database_and_a_running_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    send(&c, room.id, "one").await;
    let (code, out, _) = tigo(&app, &["admin", "health", "--json"], None).await;
    assert_eq!(code, 0);
    assert_eq!(json(&out)["database"], "up");
    let (code, out, _) = tigo(&app, &["admin", "health", "--url", &app.url], None).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("healthy"), "{out}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let (code, _, _) = tigo(
        &app,
        &[
            "admin",
            "health",
            "--url",
            &format!("http://127.0.0.1:{port}"),
        ],
        None,
    )
    .await;
    assert_eq!(code, 1, "an unreachable server is unhealthy");
    let (code, out, _) = tigo(&app, &["admin", "stats", "--json"], None).await;
    assert_eq!(code, 0);
    let stats = json(&out);
    assert_eq!(
        (
            stats["users"].clone(),
            stats["rooms"].clone(),
            stats["messages"].clone()
        ),
        (
            serde_json::json!(2),
            serde_json::json!(1),
            serde_json::json!(1)
        )
    );
    assert_eq!(stats["messages_last_hour"], 1);
    assert!(stats["online_users"].is_null());
    let (code, _, err) = tigo(&app, &["admin", "monitor"], None).await;
    assert_eq!(code, 1, "monitor needs Redis");
    assert!(err.contains("REDIS_URL"), "{err}");
    let (code, out, _) = tigo_env(
        &app,
        &["admin", "health", "--json"],
        None,
        &[
            ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/x"),
            ("DB_TIMEOUT", "1s"),
        ],
    )
    .await;
    assert_eq!(code, 1, "no database: {out}");
}

async fn smoke_passes_against_a_live_server_and_leaves_nothing_behind(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, s) = (app.customer().await, app.owner().await, app.admin().await);
    let a = format!("{}:{PASSWORD}", c.user.email);
    let b = format!("{}:{PASSWORD}", o.user.email);
    let support = format!("{}:{PASSWORD}", s.user.email);
    let (code, out, err) = tigo(
        &app,
        &[
            "smoke",
            "--url",
            &app.url,
            "--user-a",
            &a,
            "--user-b",
            &b,
            "--user-support",
            &support,
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    for step in [
        "A sends, B receives",
        "delivery receipt",
        "read receipt",
        "typing",
        "reacts",
        "replies",
        "edits",
        "delete",
        "sends an image, B downloads it back",
        "sends a voice message to support",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with("ok") && l.contains(step)),
            "{step} missing from\n{out}"
        );
    }
    // Their room and the support room, both left empty.
    let rooms = c.api.rooms("").await.expect("rooms");
    assert_eq!(rooms.total, 2);
    for room in &rooms.rooms {
        let left = c.api.messages(room.id, "").await.expect("history").total;
        assert_eq!(left, 0, "no test message left in a {} room", room.room_type);
    }
    let wrong = format!("{}:not-the-password", o.user.email);
    let (code, out, _) = tigo(
        &app,
        &[
            "smoke", "--url", &app.url, "--user-a", &a, "--user-b", &wrong, "--json",
        ],
        None,
    )
    .await;
    assert_eq!(code, 1);
    assert_eq!(json(&out)["passed"], false);
}

async fn the_audit_command_lists_what_happened(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let m = send(&c, room.id, "secret words").await;
    c.api.delete(m.id).await.expect("delete");
    let (code, _, _) = tigo(
        &app,
        &[
            "admin",
            "set-roles",
            "--user",
            &o.user.email,
            "--role",
            "HotelOwner",
            "--role",
            "Admin",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0);
    let (code, out, _) = tigo(&app, &["admin", "audit", "--since", "1h", "--json"], None).await;
    assert_eq!(code, 0);
    let actions: Vec<String> = json(&out)
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["action"].as_str().map(String::from))
        .collect();
    assert_eq!(actions, vec!["room.create", "message.delete", "user.roles"]);
    assert!(!out.contains("secret words"));
    let (code, out, _) = tigo(
        &app,
        &["admin", "audit", "--user", &o.user.email, "--json"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    let lines = json(&out);
    assert_eq!(lines.as_array().map(Vec::len), Some(1), "{lines}");
    assert_eq!(
        lines[0]["detail"]["to"],
        serde_json::json!(["HotelOwner", "Admin"])
    );
    let (code, out, _) = tigo(&app, &["admin", "audit"], None).await;
    assert_eq!(code, 0);
    assert!(out.contains("ACTION") && out.contains("operator"), "{out}");
}

contract!(
    the_audit_command_lists_what_happened,
    health_and_stats_report_on_the_database_and_a_running_server,
    smoke_passes_against_a_live_server_and_leaves_nothing_behind,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_and_monitor_read_redis() {
    let db = fresh_db(Backend::Postgres).await;
    let mut config = test_config(&db);
    config.redis_url = Some(redis_url());
    let app = start(config).await;
    for _ in 0..50 {
        if app.api.health().await.is_ok_and(|h| h.checks.bus == "up") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    let (_socket, mut events) = app.socket(&o).await;
    events.wait_for("connected", WAIT).await.expect("connected");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let redis = redis_url();
    let env = [("REDIS_URL", redis.as_str())];
    let (code, out, err) = tigo_env(&app, &["admin", "online", "--json"], None, &env).await;
    assert_eq!(code, 0, "{err}");
    let online: Vec<String> = json(&out)
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|u| u["email"].as_str().map(String::from))
        .collect();
    assert!(online.contains(&o.user.email), "{online:?}");
    let (code, out, err) = tigo(
        &app,
        &[
            "admin",
            "online",
            "--url",
            &app.url,
            "--as",
            &a.user.email,
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&o.user.email),
        "the running server knows too: {out}"
    );
    let (code, out, _) = tigo_env(&app, &["admin", "stats", "--json"], None, &env).await;
    assert_eq!(code, 0);
    assert!(json(&out)["online_users"].as_u64().is_some_and(|n| n >= 1));

    let mut monitor = tokio::process::Command::new(env!("CARGO_BIN_EXE_tigo-chat"))
        .args(["admin", "monitor", "--json"])
        .env("DATABASE_URL", app.database_url())
        .env("REDIS_URL", &redis)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("monitor");
    let mut lines = tokio::io::BufReader::new(monitor.stdout.take().expect("stdout")).lines();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = send(&c, room.id, "watched").await;
    let found = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(line)) = lines.next_line().await {
            let v = json(&line);
            if v["event"] == "new_message" && v["data"]["id"] == serde_json::json!(sent.id) {
                return v;
            }
        }
        Value::Null
    })
    .await
    .expect("monitor printed the event");
    assert_eq!(found["roomId"], serde_json::json!(room.id));
    let _ = monitor.kill().await;
}

#[tokio::test]
async fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tigo-chat"))
            .args(["completions", shell])
            .output()
            .await
            .expect("run");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("tigo-chat") && text.contains("list-rooms"),
            "{shell}"
        );
    }
}
