//! The real `tigo-chat` binary: `admin` subcommands (tables, `--json`, exit codes), `smoke`,
//! `completions`, against SQLite and PostgreSQL (Redis-backed ones against a real Redis).

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use tigo_server::db::NewMessage;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use uuid::Uuid;

use crate::contract;
use crate::helpers::*;

/// Something with a database the CLI can be pointed at.
pub(crate) trait Database {
    fn database_url(&self) -> String;
}

impl Database for TestApp {
    fn database_url(&self) -> String {
        TestApp::database_url(self)
    }
}

impl Database for TestDb {
    fn database_url(&self) -> String {
        TestDb::database_url(self)
    }
}

/// Runs `tigo-chat ARGS…` on `app`'s database; returns (exit code, stdout, stderr).
pub(crate) async fn tigo(
    app: &impl Database,
    args: &[&str],
    stdin: Option<&str>,
) -> (i32, String, String) {
    tigo_env(app, args, stdin, &[]).await
}

/// The binary with none of the environment's database, Redis or secret settings: each test
/// gives its own.
pub(crate) fn tigo_command() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tigo-chat"));
    for var in [
        "DATABASE_URL",
        "REDIS_URL",
        "JWT_SECRET",
        "DB_HOST",
        "DB_PORT",
        "DB_USERNAME",
        "DB_PASSWORD",
        "DB_DATABASE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

pub(crate) async fn tigo_env(
    app: &impl Database,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let mut cmd = tigo_command();
    cmd.env("DATABASE_URL", app.database_url())
        .env("JWT_SECRET", SECRET)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run tigo-chat");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).await.expect("write stdin");
        drop(pipe);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("tigo-chat finished in time")
        .expect("output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

async fn migrate_is_idempotent_and_prints_versions(backend: Backend) {
    let db = fresh_db(backend).await;
    let mut config = test_config(&db);
    config.migrate = false;
    // A database nobody migrated yet: the CLI does it.
    let (code, out, _) = tigo(&db, &["admin", "migrate", "--json"], None).await;
    assert_eq!(code, 0);
    assert_eq!(json(&out)["applied"], serde_json::json!([1, 2, 3, 4, 6]));
    let (code, out, _) = tigo(&db, &["admin", "migrate"], None).await;
    assert_eq!(code, 0);
    assert!(out.contains("up to date"), "{out}");
    let app = start(config).await;
    assert_eq!(app.api.health().await.expect("health").status, "healthy");
}

async fn users_are_created_listed_given_roles_and_deactivated(backend: Backend) {
    let app = spawn_app(backend).await;
    let (code, out, err) = tigo(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "Ops@Example.com",
            "--first-name",
            "Ops",
            "--last-name",
            "Team",
            "--role",
            "Admin",
            "--password-stdin",
            "--json",
        ],
        Some("a-long-password\n"),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let created = json(&out);
    assert_eq!(created["email"], "ops@example.com");
    assert_eq!(created["roles"], serde_json::json!(["Admin"]));
    assert!(!out.contains("argon2") && !out.contains("password"));
    app.api
        .login("ops@example.com", "a-long-password")
        .await
        .expect("the new admin logs in");
    let (code, _, err) = tigo(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "ops@example.com",
            "--first-name",
            "X",
            "--last-name",
            "Y",
            "--role",
            "Admin",
            "--password",
            "another-password",
        ],
        None,
    )
    .await;
    assert_eq!(code, 1, "a taken email fails");
    assert!(err.contains("already exists"), "{err}");
    let (code, _, err) = tigo(
        &app,
        &["admin", "create-user", "--email", "x@example.com"],
        None,
    )
    .await;
    assert_eq!(code, 2, "usage errors exit 2: {err}");
    let (code, _, _) = tigo(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "x@example.com",
            "--first-name",
            "X",
            "--last-name",
            "Y",
            "--role",
            "Boss",
            "--password",
            "longpassword",
        ],
        None,
    )
    .await;
    assert_eq!(code, 2, "an unknown role is a usage error");

    let c = app.customer().await;
    let (code, out, _) = tigo(&app, &["admin", "users", "--role", "Admin", "--json"], None).await;
    assert_eq!(code, 0);
    let admins = json(&out);
    assert_eq!(admins.as_array().map(Vec::len), Some(1));
    let (code, out, _) = tigo(&app, &["admin", "users"], None).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("EMAIL") && out.contains(&c.user.email),
        "{out}"
    );

    let (code, out, _) = tigo(
        &app,
        &[
            "admin",
            "set-roles",
            "--user",
            &c.user.email,
            "--role",
            "Customer",
            "--role",
            "HotelOwner",
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(
        json(&out)["roles"],
        serde_json::json!(["Customer", "HotelOwner"])
    );
    app.state.users.remove(&c.id());
    assert_eq!(c.api.me().await.expect("me").roles.len(), 2);

    let (code, out, _) = tigo(
        &app,
        &["admin", "deactivate", "--user", &c.id().to_string()],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert!(out.contains("deactivated"), "{out}");
    app.state.users.remove(&c.id());
    assert_eq!(
        c.api.me().await.expect_err("deactivated").status(),
        Some(401)
    );
    let (code, _, _) = tigo(
        &app,
        &["admin", "deactivate", "--user", &c.user.email, "--undo"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    app.state.users.remove(&c.id());
    c.api.me().await.expect("active again");
    let (code, _, err) = tigo(
        &app,
        &["admin", "deactivate", "--user", "nobody@example.com"],
        None,
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("no user"), "{err}");
}

async fn a_minted_token_works_against_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    let (code, out, _) = tigo(
        &app,
        &["admin", "token", "--email", &c.user.email, "--ttl", "10m"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    let me = app
        .api
        .with_token(out.trim())
        .me()
        .await
        .expect("token accepted");
    assert_eq!(me.id, c.id());
    let (code, out, _) = tigo(
        &app,
        &["admin", "token", "--email", &c.user.email, "--json"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(json(&out)["expires_in"], 3600);
}

async fn list_rooms_shows_participants_counts_unread_and_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, o2) = (app.customer().await, app.owner().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let other = app.room(&c, &o2).await;
    for i in 0..3 {
        send(&c, room.id, &format!("m{i}")).await;
    }
    send(&o, room.id, "reply").await;
    let (code, out, _) = tigo(&app, &["admin", "list-rooms", "--json"], None).await;
    assert_eq!(code, 0);
    let rows = json(&out);
    let row = rows
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == serde_json::json!(room.id))
        .expect("room listed");
    assert_eq!(row["messages"], 4);
    assert_eq!(row["unread"], serde_json::json!([1, 3]));
    assert_eq!(row["type"], "customer_hotel_owner");
    let (code, out, _) = tigo(
        &app,
        &["admin", "list-rooms", "--user", &o2.user.email, "--json"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    let rows = json(&out);
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    assert_eq!(rows[0]["id"], serde_json::json!(other.id));
    let (code, out, _) = tigo(
        &app,
        &["admin", "list-rooms", "--type", "customer_admin", "--json"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(json(&out), serde_json::json!([]));
    let (code, out, _) = tigo(&app, &["admin", "list-rooms", "--inactive", "--json"], None).await;
    assert_eq!(code, 0);
    assert_eq!(json(&out), serde_json::json!([]));
    let (code, out, _) = tigo(&app, &["admin", "list-rooms", "--limit", "1"], None).await;
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 3, "header, rule, one row: {out}");
}

async fn purge_deletes_old_messages_in_batches_and_keeps_rooms_right(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let old: Vec<NewMessage> = (0..25)
        .map(|i| stored_text(&c, room.id, format!("old {i}"), chrono::Utc::now()))
        .collect();
    app.state
        .store
        .insert_messages(&old)
        .await
        .expect("old messages");
    let ids: Vec<Uuid> = old.iter().map(|m| m.id).collect();
    backdate(&app, &ids, chrono::Duration::days(100)).await;
    let keep = send(&c, room.id, "recent").await;
    let (code, out, _) = tigo(
        &app,
        &[
            "admin",
            "purge",
            "--older-than",
            "90d",
            "--dry-run",
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(json(&out)["would_delete"], 25);
    assert_eq!(
        c.api.messages(room.id, "").await.expect("history").total,
        26,
        "dry run changes nothing"
    );
    let (code, _, err) = tigo(&app, &["admin", "purge", "--older-than", "90d"], None).await;
    assert_eq!(code, 1, "no confirmation, no purge");
    assert!(err.contains("--yes"), "{err}");
    let (code, out, _) = tigo(
        &app,
        &[
            "admin",
            "purge",
            "--older-than",
            "90d",
            "--yes",
            "--batch",
            "7",
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(json(&out)["deleted"], 25);
    let history = c.api.messages(room.id, "").await.expect("history");
    assert_eq!(history.total, 1);
    assert_eq!(history.messages[0].id, keep.id);
    // Purging everything leaves the room with no last message.
    let (code, out, _) = tigo(
        &app,
        &[
            "admin",
            "purge",
            "--older-than",
            "0s",
            "--room",
            &room.id.to_string(),
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("deleted 1"), "{out}");
    let r = c.api.room(room.id).await.expect("room");
    assert!(r.last_message_content.is_none() && r.last_message_at.is_none());
    let (code, _, _) = tigo(
        &app,
        &["admin", "purge", "--older-than", "ninety days"],
        None,
    )
    .await;
    assert_eq!(code, 2);
}

async fn export_writes_the_whole_history_in_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    for i in 0..12 {
        send(
            if i % 2 == 0 { &c } else { &o },
            room.id,
            &format!("line {i}, with \"quotes\""),
        )
        .await;
    }
    let (code, out, _) = tigo(
        &app,
        &["admin", "export", "--room", &room.id.to_string()],
        None,
    )
    .await;
    assert_eq!(code, 0);
    let messages = json(&out);
    let contents: Vec<&str> = messages
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect();
    let expected: Vec<String> = (0..12)
        .map(|i| format!("line {i}, with \"quotes\""))
        .collect();
    assert_eq!(contents, expected);
    let file = std::env::temp_dir().join(format!("export-{}.csv", Uuid::new_v4().simple()));
    let (code, _, err) = tigo(
        &app,
        &[
            "admin",
            "export",
            "--room",
            &room.id.to_string(),
            "--format",
            "csv",
            "--output",
            file.to_str().expect("path"),
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(&file).expect("csv file");
    let _ = std::fs::remove_file(&file);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("id,created_at,sender_id"))
    );
    assert_eq!(lines.count(), 12);
    assert!(csv.contains("\"line 3, with \"\"quotes\"\"\""), "{csv}");
    let (code, _, err) = tigo(
        &app,
        &["admin", "export", "--room", &Uuid::new_v4().to_string()],
        None,
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("no room"), "{err}");
}

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
    let (c, o) = (app.customer().await, app.owner().await);
    let a = format!("{}:{PASSWORD}", c.user.email);
    let b = format!("{}:{PASSWORD}", o.user.email);
    let (code, out, err) = tigo(
        &app,
        &["smoke", "--url", &app.url, "--user-a", &a, "--user-b", &b],
        None,
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    for step in [
        "A sends, B receives",
        "delivery receipt",
        "read receipt",
        "typing",
        "edits",
        "delete",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with("ok") && l.contains(step)),
            "{step} missing from\n{out}"
        );
    }
    let rooms = c.api.rooms("").await.expect("rooms");
    assert_eq!(rooms.total, 1);
    assert_eq!(
        c.api
            .messages(rooms.rooms[0].id, "")
            .await
            .expect("history")
            .total,
        0,
        "no test message left"
    );
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
    migrate_is_idempotent_and_prints_versions,
    users_are_created_listed_given_roles_and_deactivated,
    a_minted_token_works_against_the_server,
    list_rooms_shows_participants_counts_unread_and_filters,
    purge_deletes_old_messages_in_batches_and_keeps_rooms_right,
    export_writes_the_whole_history_in_order,
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
