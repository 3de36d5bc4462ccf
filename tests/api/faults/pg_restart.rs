//! A private PostgreSQL restarted under the binary: 503s while it is down, then service resumes
//! by itself and no request fails on a connection from before.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use tigo_client::Api;
use uuid::Uuid;

use super::*;
use crate::helpers::*;

/// A PostgreSQL of this test's own, to stop and start.
struct PrivatePg {
    bin: std::path::PathBuf,
    data: std::path::PathBuf,
    port: u16,
}

impl PrivatePg {
    fn as_owner(cmd: &mut Command) -> &mut Command {
        cmd
    }

    fn run(&self, program: &str, args: &[&str]) -> bool {
        let path = self.bin.join(program);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        Self::as_owner(&mut cmd)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn create() -> PrivatePg {
        let bin = std::env::var("PG_BIN")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| {
                panic!("PG_BIN is not set: run scripts/test.sh, which installs PostgreSQL")
            });
        let data = std::env::temp_dir().join(format!("tigo-pg-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data).expect("data dir");
        if is_root() {
            let _ = Command::new("chown").args(["postgres"]).arg(&data).status();
        }
        let pg = PrivatePg {
            bin,
            data,
            port: free_port(),
        };
        let data = pg.data.display().to_string();
        assert!(
            pg.run("initdb", &["-D", &data, "-U", "postgres", "-A", "trust"]),
            "initdb"
        );
        pg
    }

    fn start(&self) {
        let data = self.data.display().to_string();
        let opts = format!(
            "-p {} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port
        );
        assert!(
            self.run(
                "pg_ctl",
                &["-D", &data, "-w", "-t", "30", "-o", &opts, "start"]
            ),
            "pg_ctl start"
        );
    }

    fn stop(&self) {
        let data = self.data.display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_gives_503s_then_service_resumes_by_itself() {
    let pg = PrivatePg::create();
    pg.start();
    let port = free_port();
    let server = Server::start(&pg.url(), port, &[("DB_TIMEOUT", "2s")]).await;
    let db = TestDb::from_url(&pg.url());
    let (token, _, room) = two_users(&db, &server.url).await;
    let api = Api::new(&server.url).expect("api").with_token(&token);
    assert!(api.rooms("").await.is_ok());

    pg.stop();
    for (method, path) in [
        (reqwest::Method::GET, "/chat/rooms".to_string()),
        (reqwest::Method::GET, format!("/chat/rooms/{room}/messages")),
        (reqwest::Method::POST, "/chat/messages".to_string()),
    ] {
        let body = json!({"chat_room_id": room, "content": "during the outage"});
        let started = Instant::now();
        let (status, resp) = api
            .raw(method.clone(), &path, Some(&body))
            .await
            .expect("request");
        assert_eq!(status, 503, "{method} {path}: {resp}");
        assert_error(status, &resp, 503);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{method} {path} took {:?}",
            started.elapsed()
        );
    }
    let (status, health) = Api::new(&server.url)
        .expect("api")
        .raw(reqwest::Method::GET, "/chat/health", None)
        .await
        .expect("health");
    assert_eq!(status, 503);
    assert_eq!(health["status"], "unhealthy");

    pg.start();
    let back = Instant::now();
    let mut resumed = false;
    while back.elapsed() < Duration::from_secs(5) {
        if api.rooms("").await.is_ok() && api.send(&text(room, "after")).await.is_ok() {
            resumed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        resumed,
        "service resumed within 5 s of PostgreSQL returning"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_postgres_restart_no_request_fails_on_a_connection_from_before() {
    let pg = PrivatePg::create();
    pg.start();
    let port = free_port();
    let pool = 4;
    let server = Server::start(
        &pg.url(),
        port,
        &[("DB_TIMEOUT", "2s"), ("DB_POOL_SIZE", &pool.to_string())],
    )
    .await;
    let db = TestDb::from_url(&pg.url());
    let (token, _, room) = two_users(&db, &server.url).await;
    let api = Api::new(&server.url).expect("api").with_token(&token);
    // Open every pooled connection (reads and message commits) before the restart.
    let warm = (0..pool * 4).map(|i| {
        let api = api.clone();
        async move {
            api.rooms("").await.is_ok()
                && api.send(&text(room, &format!("before {i}"))).await.is_ok()
        }
    });
    assert!(
        futures_util::future::join_all(warm)
            .await
            .into_iter()
            .all(|ok| ok)
    );

    // Nothing asks while it is down: every pooled connection is stale when it is back.
    pg.stop();
    pg.start();
    for i in 0..pool * 3 {
        let rooms = api.rooms("").await;
        assert!(rooms.is_ok(), "request {i} after the restart: {rooms:?}");
        let sent = api.send(&text(room, &format!("after {i}"))).await;
        assert!(sent.is_ok(), "send {i} after the restart: {sent:?}");
        let path = format!("/chat/rooms/{room}/messages");
        let (status, body) = api
            .raw(reqwest::Method::GET, &path, None)
            .await
            .expect("request");
        assert_eq!(status, 200, "history {i} after the restart: {body}");
    }
}
