//! The real `tigo-chat` binary: `admin` subcommands (tables, `--json`, exit codes), `smoke`,
//! `completions`, against SQLite and PostgreSQL (Redis-backed ones against a real Redis).

mod data;
mod hostile;
mod hotels;
mod notify;
mod ops;
mod stats;
mod usage;
mod users;

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use tokio::io::AsyncWriteExt;

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
        "FILE_STORE",
        "S3_ENDPOINT",
        "PUBLIC_URL",
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
