//! The command line itself: yes/no variables in their usual spellings, `--help` and usage
//! errors that tell the truth about the environment, arguments that say what they want, URLs
//! without a scheme, and `create-user --password-stdin` on a real terminal (under `script`).

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::helpers::*;

/// `tigo-chat serve` on `db` with `env`, until dropped; `None` if it did not come up.
async fn serve(db: &TestDb, env: &[(&str, &str)]) -> Option<(tokio::process::Child, String)> {
    let port = free_port();
    let mut cmd = tigo_command();
    cmd.args(["serve", "--port", &port.to_string()])
        .env("DATABASE_URL", db.database_url())
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("start tigo-chat serve");
    let url = format!("http://127.0.0.1:{port}");
    let api = tigo_client::Api::new(&url).expect("client");
    for _ in 0..300 {
        if api.health().await.is_ok() {
            return Some((child, url));
        }
        if child.try_wait().ok().flatten().is_some() {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

async fn register_status(url: &str) -> u16 {
    let body = serde_json::json!({
        "email": format!("r-{}@example.com", uuid::Uuid::new_v4().simple()),
        "password": PASSWORD,
        "first_name": "Rita",
        "last_name": "Reg",
    });
    reqwest::Client::new()
        .post(format!("{url}/auth/register"))
        .json(&body)
        .send()
        .await
        .expect("register")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boolean_variables_read_the_usual_spellings_both_ways() {
    let db = fresh_db(Backend::Sqlite).await;
    for (spelling, open) in [
        ("1", false),
        ("yes", false),
        ("ON", false),
        ("0", true),
        ("off", true),
    ] {
        let (_server, url) = serve(&db, &[("DISABLE_REGISTRATION", spelling)])
            .await
            .unwrap_or_else(|| panic!("DISABLE_REGISTRATION={spelling}: did not start"));
        let status = register_status(&url).await;
        assert_eq!(
            status == 201,
            open,
            "DISABLE_REGISTRATION={spelling}: register answered {status}"
        );
    }
    // The database is migrated by now: a server told not to migrate starts on it.
    serve(&db, &[("NO_MIGRATE", "1")])
        .await
        .expect("NO_MIGRATE=1 is read as yes");
}

/// `tigo-chat ARGS` with `env` and no database: (exit code, stdout, stderr).
async fn bare(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = tigo_command()
        .env_remove("HOST")
        .env_remove("PORT")
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run tigo-chat");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_shows_a_variable_s_value_only_when_set_and_never_a_secret() {
    let secret = "a-secret-nobody-may-see-0123456789";
    let (code, out, _) = bare(&["serve", "--help"], &[("JWT_SECRET", secret)]).await;
    assert_eq!(code, 0);
    assert!(out.contains("[env: HOST]"), "{out}");
    assert!(!out.contains("=]"), "an unset variable shows no `=`: {out}");
    assert!(out.contains("[env: JWT_SECRET]"), "{out}");
    assert!(!out.contains(secret), "{out}");
    let (_, out, _) = bare(&["serve", "--help"], &[("HOST", "0.0.0.0")]).await;
    assert!(
        out.contains("[env: HOST=0.0.0.0]"),
        "a set one shows its value: {out}"
    );
    let (_, out, _) = bare(&["smoke", "--help"], &[]).await;
    assert!(
        !out.contains("keeps it off the") && out.contains("process list"),
        "{out}"
    );
}

async fn usage_lines_and_argument_errors_say_what_is_wanted(backend: Backend) {
    let app = spawn_app(backend).await;
    // JWT_SECRET and DATABASE_URL are set (tigo_env): they are no part of what was typed.
    let (code, _, err) = tigo(&app, &["admin", "create-user", "--email", "a@b.io"], None).await;
    assert_eq!(code, 2, "{err}");
    let usage = err
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .unwrap_or_else(|| panic!("no usage line: {err}"));
    assert!(usage.contains("--email <EMAIL>"), "{usage}");
    assert!(
        !usage.contains("--jwt-secret") && !usage.contains("--database-url"),
        "{usage}"
    );
    for (args, wanted) in [
        (&["admin", "export", "--room", "x"][..], "a room id (a UUID"),
        (
            &["admin", "purge", "--older-than", "1d", "--room", "x"][..],
            "a room id (a UUID",
        ),
        (
            &[
                "admin", "reports", "resolve", "x", "dismiss", "--as", "a@b.io",
            ][..],
            "a report id (a UUID",
        ),
    ] {
        let (code, _, err) = tigo(&app, args, None).await;
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(wanted), "{args:?}: {err}");
        assert!(!err.contains("invalid character"), "{args:?}: {err}");
    }
    let (code, out, err) = tigo(&app, &["admin", "online"], None).await;
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains("REDIS_URL") && err.contains("--url") && err.contains("--as"),
        "{err}"
    );
    let bare_addr = app.url.trim_start_matches("http://").to_string();
    let (code, out, err) = tigo(&app, &["admin", "health", "--url", &bare_addr], None).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("healthy"), "{out}");
    let (code, _, err) = tigo(&app, &["admin", "health", "--url", "ftp://x"], None).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("http://"), "{err}");
}

crate::contract!(usage_lines_and_argument_errors_say_what_is_wanted);

/// Reads `stdout` into `seen` until it holds `wanted`.
async fn read_until(stdout: &mut tokio::process::ChildStdout, seen: &mut String, wanted: &str) {
    let mut chunk = [0u8; 1024];
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while !seen.contains(wanted) {
            let n = stdout.read(&mut chunk).await.expect("read");
            if n == 0 {
                return false;
            }
            seen.push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
        true
    })
    .await;
    assert_eq!(
        found,
        Ok(true),
        "waited for {wanted:?}; the terminal shows {seen:?}"
    );
}

/// `admin create-user --password-stdin` on a terminal (a pty from `script`): the password is
/// typed after each prompt; returns (exit code, all the terminal showed).
async fn create_user_on_a_terminal(
    database_url: &str,
    email: &str,
    typed: [&str; 2],
) -> (i32, String) {
    let command = format!(
        "'{}' admin create-user --email {email} --first-name T --last-name Y --role Customer --password-stdin",
        env!("CARGO_BIN_EXE_tigo-chat")
    );
    let mut child = tokio::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("DATABASE_URL", database_url)
        .env_remove("JWT_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("script (util-linux) runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = String::new();
    for (prompt, password) in ["Password: ", "Password again: "].into_iter().zip(typed) {
        read_until(&mut stdout, &mut seen, prompt).await;
        // The prompt is written just before echo is turned off.
        tokio::time::sleep(Duration::from_millis(300)).await;
        stdin
            .write_all(format!("{password}\r").as_bytes())
            .await
            .expect("type");
    }
    let mut rest = String::new();
    let status = tokio::time::timeout(Duration::from_secs(30), async {
        stdout.read_to_string(&mut rest).await.expect("read");
        child.wait().await.expect("wait")
    })
    .await
    .expect("create-user finished");
    drop(stdin);
    seen.push_str(&rest);
    (status.code().unwrap_or(-1), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_user_asks_for_the_password_on_a_terminal_without_echo_twice() {
    let app = spawn_app(Backend::Sqlite).await;
    let db = app.database_url();
    let password = "typed-on-a-terminal-42";
    let (code, shown) =
        create_user_on_a_terminal(&db, "tty@example.com", [password, password]).await;
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("created user"), "{shown}");
    assert!(
        !shown.contains(password),
        "the password was echoed: {shown:?}"
    );
    app.api
        .login("tty@example.com", password)
        .await
        .expect("the password typed works");
    let (code, shown) = create_user_on_a_terminal(
        &db,
        "typo@example.com",
        [password, "typed-on-a-terminal-43"],
    )
    .await;
    assert_eq!(code, 1, "{shown}");
    assert!(shown.contains("differ"), "{shown}");
    assert!(
        app.api.login("typo@example.com", password).await.is_err(),
        "no user was created"
    );
}
