//! Faults, with the real `tigo-chat` binary: killed with SIGKILL mid-stream, stopped with
//! SIGTERM under load, its PostgreSQL restarted. Bounded in time; loopback only.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use tigo_client::Api;
use tigo_client::sio::{Socket, SocketOptions};
use tigo_common::Role;
use tigo_server::accounts::{NewAccount, create_user};
use uuid::Uuid;

use crate::contract;
use crate::helpers::*;

/// A `tigo-chat serve` process.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    async fn start(database_url: &str, port: u16, extra: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tigo-chat"));
        cmd.args(["serve", "--port", &port.to_string()])
            .env("DATABASE_URL", database_url)
            .env("JWT_SECRET", SECRET)
            .env("MESSAGES_PER_SECOND", "0")
            .env("EVENTS_PER_SECOND", "0")
            .env("CONNECTIONS_PER_USER", "0")
            .env("RUST_LOG", "warn")
            .env_remove("REDIS_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let url = format!("http://127.0.0.1:{port}");
        // Held in `Server` at once, so Drop reaps the process on every path.
        let server = Server {
            child: cmd.spawn().expect("start tigo-chat serve"),
            url,
        };
        let api = Api::new(&server.url).expect("client");
        for _ in 0..200 {
            if api.health().await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("tigo-chat serve did not come up on {}", server.url);
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM; the exit status and how long it took.
    async fn terminate(&mut self) -> (Option<i32>, Duration) {
        let started = Instant::now();
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return (status.code(), started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(30) {
                self.kill9();
                return (None, started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two users and their room on `db`, and their tokens from the server at `url`.
async fn two_users(db: &TestDb, url: &str) -> (String, String, Uuid) {
    let store = tigo_server::db::connect(&db.config, &Default::default())
        .await
        .expect("store");
    store.migrate().await.expect("migrate");
    let mut tokens = Vec::new();
    for (first, role) in [("Carla", Role::Customer), ("Oscar", Role::HotelOwner)] {
        let email = format!(
            "{}-{}@example.com",
            first.to_lowercase(),
            Uuid::new_v4().simple()
        );
        create_user(
            store.as_ref(),
            NewAccount {
                email: email.clone(),
                password: PASSWORD.into(),
                first_name: first.into(),
                last_name: "Tester".into(),
                roles: vec![role],
            },
        )
        .await
        .expect("user");
        let login = Api::new(url)
            .expect("api")
            .login(&email, PASSWORD)
            .await
            .expect("login");
        tokens.push((login.access_token, login.user.id));
    }
    let api = Api::new(url).expect("api").with_token(&tokens[0].0);
    let room = api
        .create_room(&tigo_common::CreateRoom {
            room_type: tigo_common::RoomType::CustomerHotelOwner,
            participant1_id: tokens[0].1,
            participant2_id: tokens[1].1,
            hotel_id: None,
        })
        .await
        .expect("room");
    (tokens[0].0.clone(), tokens[1].0.clone(), room.id)
}

/// Every message id of a room, oldest first, over REST.
async fn stored_ids(url: &str, token: &str, room: Uuid) -> Vec<String> {
    let api = Api::new(url).expect("api").with_token(token);
    let mut ids = Vec::new();
    let mut after = "1970-01-01T00:00:00Z".to_string();
    loop {
        let page = api
            .messages(room, &format!("limit=100&after={after}"))
            .await
            .expect("page");
        let Some(last) = page.messages.last() else {
            break;
        };
        after = last.id.to_string();
        ids.extend(page.messages.iter().map(|m| m.id.to_string()));
    }
    ids
}

/// Sends with acknowledgements until the connection fails or `limit` is reached.
async fn send_until_cut(socket: Socket, room: Uuid, limit: usize) -> Vec<String> {
    let mut acked = Vec::new();
    for i in 0..limit {
        match socket
            .emit_ack(
                "send_message",
                &json!({"chat_room_id": room, "content": format!("n{i}")}),
                Duration::from_secs(2),
            )
            .await
        {
            Ok(ack) if ack["ok"] == true => {
                acked.push(ack["messageId"].as_str().unwrap_or("").to_string())
            }
            _ => break,
        }
    }
    acked
}

async fn a_kill_9_loses_no_acknowledged_message_and_reconnecting_clients_catch_up(
    backend: Backend,
) {
    let db = fresh_db(backend).await;
    let port = free_port();
    let mut server = Server::start(&db.database_url(), port, &[]).await;
    let (sender_token, receiver_token, room) = two_users(&db, &server.url).await;
    let (receiver, mut received_events) =
        Socket::connect(&server.url, SocketOptions::with_token(&receiver_token))
            .await
            .expect("receiver");
    let (sender, _) = Socket::connect(&server.url, SocketOptions::with_token(&sender_token))
        .await
        .expect("sender");
    let sending = tokio::spawn(send_until_cut(sender, room, 100_000));
    tokio::time::sleep(Duration::from_millis(800)).await;
    server.kill9();
    let acked = sending.await.expect("sender");
    assert!(
        acked.len() > 10,
        "the sender was sending ({} acked)",
        acked.len()
    );
    let mut received: Vec<String> = Vec::new();
    while let Ok(e) = received_events
        .next_within(Duration::from_millis(200))
        .await
    {
        if e.name == "new_message" {
            received.push(e.data["id"].as_str().unwrap_or("").to_string());
        }
    }
    drop(receiver);

    let server = Server::start(&db.database_url(), port, &[]).await;
    let stored = stored_ids(&server.url, &receiver_token, room).await;
    let stored_set: HashSet<&String> = stored.iter().collect();
    for id in &acked {
        assert!(
            stored_set.contains(id),
            "acknowledged message {id} was lost"
        );
    }
    // The receiver reconnects and asks for what it missed.
    let (receiver, mut events) =
        Socket::connect(&server.url, SocketOptions::with_token(&receiver_token))
            .await
            .expect("reconnect");
    let join = match received.last() {
        Some(last) => json!({"roomId": room, "lastMessageId": last}),
        None => json!({"roomId": room}),
    };
    let ack = receiver
        .emit_ack("join_room", &join, WAIT)
        .await
        .expect("join");
    assert_eq!(ack["ok"], true, "{ack}");
    if received.is_empty() || ack["hasMore"] == true {
        received.clear();
        received.extend(stored.iter().cloned());
    } else {
        while let Ok(e) = events.next_within(Duration::from_millis(500)).await {
            if e.name == "new_message" {
                received.push(e.data["id"].as_str().unwrap_or("").to_string());
            }
        }
    }
    let unique: HashSet<&String> = received.iter().collect();
    assert_eq!(unique.len(), received.len(), "no message twice");
    assert_eq!(unique, stored_set, "every stored message exactly once");
}

async fn sigterm_under_load_finishes_acknowledged_work_and_exits_zero(backend: Backend) {
    let db = fresh_db(backend).await;
    let port = free_port();
    let mut server = Server::start(&db.database_url(), port, &[("SHUTDOWN_GRACE", "5s")]).await;
    let (sender_token, receiver_token, room) = two_users(&db, &server.url).await;
    let mut senders = Vec::new();
    for _ in 0..3 {
        let (socket, _) = Socket::connect(&server.url, SocketOptions::with_token(&sender_token))
            .await
            .expect("sender");
        senders.push(tokio::spawn(send_until_cut(socket, room, 100_000)));
    }
    let (watcher, mut watcher_events) =
        Socket::connect(&server.url, SocketOptions::with_token(&receiver_token))
            .await
            .expect("watcher");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (code, took) = server.terminate().await;
    assert_eq!(code, Some(0), "exit status");
    assert!(
        took < Duration::from_secs(8),
        "stopped within the grace period (took {took:?})"
    );
    let mut acked = Vec::new();
    for s in senders {
        acked.extend(s.await.expect("sender"));
    }
    assert!(!acked.is_empty());
    // Clients were told: their connection closed.
    let closed = loop {
        match watcher_events.next_within(Duration::from_secs(5)).await {
            Err(tigo_client::sio::SioError::Closed) => break true,
            Err(_) => break false,
            Ok(_) => continue,
        }
    };
    assert!(closed, "connections are closed on shutdown");
    drop(watcher);
    let server = Server::start(&db.database_url(), port, &[]).await;
    let stored: HashSet<String> = stored_ids(&server.url, &receiver_token, room)
        .await
        .into_iter()
        .collect();
    for id in &acked {
        assert!(stored.contains(id), "acknowledged message {id} was lost");
    }
}

contract!(
    a_kill_9_loses_no_acknowledged_message_and_reconnecting_clients_catch_up,
    sigterm_under_load_finishes_acknowledged_work_and_exits_zero,
);

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
