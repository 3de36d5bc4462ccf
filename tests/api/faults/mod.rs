//! Faults, with the real `tigo-chat` binary: killed with SIGKILL mid-stream, stopped with
//! SIGTERM under load, its PostgreSQL restarted. Bounded in time; loopback only.

mod burst;
mod pg_restart;
mod process;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tigo_client::Api;
use tigo_common::Role;
use tigo_server::accounts::{NewAccount, create_user};
use uuid::Uuid;

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
    let store = tigo_server::db::connect(&db.config, &Default::default(), test_owner())
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
