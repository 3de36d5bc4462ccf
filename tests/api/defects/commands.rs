//! Admin commands that create no database by accident, print nothing partial when they fail,
//! end quietly into a closed pipe, and handle the command line's edges.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::cli::{Database, json as parse_json, tigo, tigo_command, tigo_env};
use crate::contract;
use crate::helpers::*;

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
    assert_eq!(parse_json(&out)["applied"], json!(migration_versions()));
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

async fn command_line_edges_behave(backend: Backend) {
    let app = spawn_app(backend).await;
    let nobody = format!("http://127.0.0.1:{}", dead_port());
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
    a_failing_command_prints_nothing_and_leaves_no_file,
    printing_into_a_closed_pipe_ends_quietly,
    command_line_edges_behave,
);
