//! Defects found trying tigo-chat as a new user would: deactivation taking effect at once,
//! admin commands that create nothing by accident and print nothing partial, closed pipes,
//! opaque conflicts, complete validation, unknown Socket.IO events, the support queue.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tigo_common::{CreateRoom, Role, RoomType};
use tigo_server::db::NewUser;
use tigo_server::error::AppError;
use uuid::Uuid;

use crate::cli::{Database, json as parse_json, tigo, tigo_command, tigo_env};
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

/// Runs the binary in `dir` with only the given environment for the database settings.
async fn tigo_in(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let mut cmd = tigo_command();
    cmd.current_dir(dir)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("finished in time")
        .expect("ran");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const READ_ONLY: &[&[&str]] = &[
    &["admin", "users"],
    &["admin", "stats"],
    &["admin", "list-rooms"],
    &["admin", "audit"],
    &["admin", "token", "--email", "a@example.com"],
    &[
        "admin",
        "export",
        "--room",
        "00000000-0000-0000-0000-000000000000",
    ],
    &["admin", "online"],
    &["admin", "health"],
    &["admin", "deactivate", "--user", "a@example.com"],
    &["admin", "purge", "--older-than", "1d", "--yes"],
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_where_no_sqlite_database_exists_create_none_and_say_so_once() {
    let dir = std::env::temp_dir().join(format!("tigo-nodb-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let wanted = "no tigo-chat database at sqlite://./tigo-chat.db: run `tigo-chat admin migrate` or set DATABASE_URL";
    for args in READ_ONLY {
        let (code, out, err) = tigo_in(&dir, args, &[]).await;
        assert_eq!(code, 1, "{args:?}: {err}");
        assert_eq!(out, "", "{args:?} printed to stdout");
        assert_eq!(err.trim_end(), format!("error: {wanted}"), "{args:?}");
        let files: Vec<_> = std::fs::read_dir(&dir).expect("list").collect();
        assert!(files.is_empty(), "{args:?} created {files:?}");
    }
    let (code, _, err) = tigo_in(&dir, &["admin", "migrate"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(dir.join("tigo-chat.db").exists(), "migrate creates it");
    let (code, _, err) = tigo_in(&dir, &["admin", "users"], &[]).await;
    assert_eq!(code, 0, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_on_a_missing_or_empty_postgres_database_create_nothing() {
    let base = pg_url();
    let base = base
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .expect("url");
    let missing = format!("{base}/nothing_{}", Uuid::new_v4().simple());
    let empty = fresh_db(Backend::Postgres).await;
    let dir = std::env::temp_dir();
    for url in [missing.clone(), empty.database_url()] {
        for args in READ_ONLY {
            let (code, out, err) = tigo_in(&dir, args, &[("DATABASE_URL", &url)]).await;
            assert_eq!(code, 1, "{args:?}: {err}");
            assert_eq!(out, "", "{args:?}");
            assert_eq!(err.lines().count(), 1, "{args:?}: said once: {err}");
            assert!(
                err.contains("no tigo-chat database at postgres://")
                    && err.contains("run `tigo-chat admin migrate` or set DATABASE_URL"),
                "{args:?}: {err}"
            );
        }
    }
    // The empty database is still empty: migrate applies everything to it.
    let (code, out, err) = tigo(&empty, &["admin", "migrate", "--json"], None).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(parse_json(&out)["applied"], json!([1, 2, 3, 4, 6]));
}

async fn a_failing_command_prints_nothing_and_leaves_no_file(backend: Backend) {
    let app = spawn_app(backend).await;
    let room = Uuid::new_v4().to_string();
    let (code, out, err) = tigo(&app, &["admin", "export", "--room", &room], None).await;
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(err.matches("no room").count(), 1, "{err}");
    let dir = std::env::temp_dir().join(format!("tigo-export-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("room.json");
    let file_arg = file.display().to_string();
    let (code, _, _) = tigo(
        &app,
        &["admin", "export", "--room", &room, "--output", &file_arg],
        None,
    )
    .await;
    assert_eq!(code, 1);
    assert_eq!(std::fs::read_dir(&dir).expect("list").count(), 0, "no file");
    let (c, o) = (app.customer().await, app.owner().await);
    let real = app.room(&c, &o).await;
    send(&c, real.id, "kept").await;
    let real_id = real.id.to_string();
    let (code, _, err) = tigo(
        &app,
        &["admin", "export", "--room", &real_id, "--output", &file_arg],
        None,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let exported: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("file")).expect("json");
    assert_eq!(exported[0]["content"], "kept");
    assert_eq!(
        std::fs::read_dir(&dir).expect("list").count(),
        1,
        "only the file"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the binary with its standard output a pipe whose reader is already gone.
fn into_a_closed_pipe(app: &impl Database, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    std::process::Command::new(env!("CARGO_BIN_EXE_tigo-chat"))
        .env("DATABASE_URL", app.database_url())
        .env("JWT_SECRET", SECRET)
        .env_remove("REDIS_URL")
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("ran")
}

async fn printing_into_a_closed_pipe_ends_quietly(backend: Backend) {
    let app = spawn_app(backend).await;
    app.customer().await;
    for args in [
        &["completions", "bash"][..],
        &["admin", "audit"],
        &["admin", "users"],
        &["admin", "users", "--json"],
        &["admin", "stats"],
    ] {
        let out = into_a_closed_pipe(&app, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {err}", out.status);
        assert_eq!(err, "", "{args:?}");
    }
}

async fn an_unmapped_unique_violation_reaches_no_client_in_the_databases_words(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    // The same id again, another email: a key no code expects to hit.
    let err = app
        .state
        .store
        .create_user(&NewUser {
            id: c.id(),
            email: format!("other-{}@example.com", Uuid::new_v4().simple()),
            password_hash: "x".into(),
            first_name: "A".into(),
            last_name: "B".into(),
            roles: vec![Role::Customer],
        })
        .await
        .expect_err("duplicate id");
    let body = serde_json::to_value(AppError::from(err).body()).expect("json");
    assert_eq!(body["statusCode"], 409);
    let text = body.to_string().to_lowercase();
    for word in [
        "unique",
        "duplicate",
        "constraint",
        "users",
        "pkey",
        "primary",
    ] {
        assert!(
            !text.contains(word),
            "database text reached the client: {body}"
        );
    }
}

async fn registration_lists_every_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app
        .api
        .raw(
            reqwest::Method::POST,
            "/auth/register",
            Some(&json!({"email": "not-an-email", "password": "short", "first_name": "", "last_name": "L"})),
        )
        .await
        .expect("request");
    assert_error(status, &body, 400);
    let problems: Vec<&str> = body["message"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for field in ["email", "password", "first_name"] {
        assert!(
            problems.iter().any(|p| p.starts_with(field)),
            "{field} missing from {problems:?}"
        );
    }
    assert_eq!(problems.len(), 3, "{problems:?}");
}

async fn unknown_events_and_bare_payloads_get_clear_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    let (socket, mut events) = app.socket(&c).await;
    events.wait_for("connected", WAIT).await.expect("connected");
    let reply = socket
        .emit_ack("send_mesage", &json!({"content": "typo"}), WAIT)
        .await
        .expect("answered");
    assert_eq!(reply["ok"], false);
    assert_eq!(reply["error"]["statusCode"], 404);
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Unknown event") && m.contains("send_mesage")),
        "{reply}"
    );
    socket.emit("no_such_event", &json!({})).expect("sent");
    let error = events.wait_for("error", WAIT).await.expect("error event");
    assert_eq!(error["statusCode"], 404);
    let reply = socket
        .emit_ack("join_room", &json!(Uuid::new_v4().to_string()), WAIT)
        .await
        .expect("answered");
    assert_eq!(reply["ok"], false);
    assert_eq!(reply["error"]["statusCode"], 400);
    assert!(
        reply["error"]["message"].to_string().contains("{roomId}"),
        "{reply}"
    );
}

async fn the_support_queue_lists_support_rooms_only_with_their_type(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let hotel = app.room(&c, &o).await;
    send(&c, hotel.id, "is breakfast included?").await;
    let support = c
        .api
        .create_room(&CreateRoom {
            room_type: RoomType::CustomerAdmin,
            participant1_id: c.id(),
            participant2_id: a.id(),
            hotel_id: None,
        })
        .await
        .expect("support room");
    send(&c, support.id, "my booking is gone").await;
    let queue = a.api.support_queue().await.expect("queue");
    let rooms: Vec<(Uuid, RoomType)> = queue
        .iter()
        .map(|w| (w.room.id, w.room.room_type))
        .collect();
    assert_eq!(rooms, vec![(support.id, RoomType::CustomerAdmin)]);
}

async fn admin_health_and_the_endpoint_agree_that_redis_down_is_degraded(backend: Backend) {
    let dead_redis = format!("redis://127.0.0.1:{}", free_port());
    let app = spawn_app_with(backend, |c| c.redis_url = Some(dead_redis.clone())).await;
    let (status, body) = app
        .api
        .raw(reqwest::Method::GET, "/chat/health", None)
        .await
        .expect("health");
    assert_eq!((status, body["status"].as_str()), (200, Some("degraded")));
    let (code, out, err) = tigo_env(
        &app,
        &["admin", "health"],
        None,
        &[("REDIS_URL", &dead_redis)],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("degraded"), "{out}");
    let (code, out, _) = tigo_env(
        &app,
        &["admin", "health", "--json"],
        None,
        &[("REDIS_URL", &dead_redis)],
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(parse_json(&out)["status"], "degraded");
    let (code, out, _) = tigo(&app, &["admin", "health", "--url", &app.url], None).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("degraded"), "{out}");
}

async fn command_line_edges_behave(backend: Backend) {
    let app = spawn_app(backend).await;
    let nobody = format!("http://127.0.0.1:{}", free_port());
    // Bench options after the mode, as before it.
    for args in [
        &[
            "bench",
            "closed-loop",
            "--messages",
            "1",
            "--url",
            &nobody,
            "--json",
        ][..],
        &[
            "bench",
            "--url",
            &nobody,
            "--json",
            "closed-loop",
            "--messages",
            "1",
        ],
    ] {
        let (code, _, err) = tigo(&app, args, None).await;
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "cannot connect to {nobody}: is the server running?"
            )),
            "{args:?}: {err}"
        );
    }
    // Help: the command's own options first, database settings apart, no empty env values.
    let (code, help, _) = tigo_env(
        &app,
        &["admin", "users", "--help"],
        None,
        &[("DB_HOST", "")],
    )
    .await;
    assert_eq!(code, 0);
    let own = help.find("--role").expect("own option");
    let database = help.find("Database settings:").expect("a heading");
    assert!(own < database, "{help}");
    assert!(!help.contains("DB_HOST="), "{help}");
    // Smoke with passwords from the environment.
    let (c, o) = (app.customer().await, app.owner().await);
    let (code, out, err) = tigo_env(
        &app,
        &[
            "smoke",
            "--url",
            &app.url,
            "--user-a",
            &c.user.email,
            "--user-b",
            &o.user.email,
        ],
        None,
        &[
            ("TIGO_SMOKE_PASSWORD_A", PASSWORD),
            ("TIGO_SMOKE_PASSWORD_B", PASSWORD),
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    // Monitor without Redis fails before saying it listens.
    let (code, _, err) = tigo(&app, &["admin", "monitor"], None).await;
    assert_eq!(code, 1);
    assert!(!err.contains("listening"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // An unreachable server, in the same words everywhere.
    let (code, out, _) = tigo(&app, &["admin", "health", "--url", &nobody], None).await;
    assert_eq!(code, 1);
    assert!(
        out.contains(&format!(
            "cannot connect to {nobody}: is the server running?"
        )),
        "{out}"
    );
}

contract!(
    deactivation_closes_every_connection_and_refuses_tokens_at_once,
    taking_admin_away_closes_the_connections_that_relied_on_it,
    a_failing_command_prints_nothing_and_leaves_no_file,
    printing_into_a_closed_pipe_ends_quietly,
    an_unmapped_unique_violation_reaches_no_client_in_the_databases_words,
    registration_lists_every_problem,
    unknown_events_and_bare_payloads_get_clear_errors,
    the_support_queue_lists_support_rooms_only_with_their_type,
    admin_health_and_the_endpoint_agree_that_redis_down_is_degraded,
    command_line_edges_behave,
);
