//! Test harness: the real server on port 0 with a fresh database (a temporary SQLite file, or
//! a new database on the PostgreSQL that `scripts/test.sh` starts), users, rooms, sockets.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Connection;
use tigo_client::Api;
use tigo_client::sio::{Events, Socket, SocketOptions};
use tigo_common::{CreateRoom, Message, Role, Room, RoomType, SendMessage, User};
use tigo_server::accounts::{NewAccount, create_user};
use tigo_server::db::DatabaseConfig;
use tigo_server::state::AppState;
use tigo_server::{Application, Config};
use tokio::sync::oneshot;
use uuid::Uuid;

pub use crate::testdb::*;

pub const SECRET: &str = "test-secret-of-the-tigo-platform";
pub const PASSWORD: &str = "correct horse battery";
pub const WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one test body on both backends: `contract!(name, …)` makes `sqlite::name` and
/// `postgres::name` from `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )*
        }
    };
}

pub struct TestApp {
    pub url: String,
    pub api: Api,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _db: Option<TestDb>,
}

pub struct TestUser {
    pub user: User,
    pub token: String,
    pub api: Api,
}

impl TestUser {
    pub fn id(&self) -> Uuid {
        self.user.id
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn test_config(db: &TestDb) -> Config {
    let mut config = Config::new(db.config.clone());
    config.jwt_secret = Some(SECRET.into());
    config.pool.max_connections = 5;
    // Rate limits are off unless a test is about them (tests/api/hardening/limits.rs).
    let limits = &mut config.limits;
    limits.messages_per_second = 0;
    limits.events_per_second = 0;
    limits.logins_per_minute_per_account = 0;
    limits.logins_per_minute_per_address = 0;
    limits.connections_per_user = 0;
    limits.connections_per_address = 0;
    // Each server gets its own file folder (a second instance started from this config
    // shares it); uploads are not rate limited unless a test is about that.
    config.files.store = tigo_server::files::StoreSpec::Local(
        std::env::temp_dir().join(format!("tigo-files-{}", Uuid::new_v4().simple())),
    );
    config.files.uploads_per_minute = 0;
    config
}

/// Where a store a test opens by itself runs its background task (until the test ends).
pub fn test_owner() -> (
    &'static tokio_util::task::TaskTracker,
    tokio_util::sync::CancellationToken,
) {
    static TASKS: std::sync::LazyLock<tokio_util::task::TaskTracker> =
        std::sync::LazyLock::new(tokio_util::task::TaskTracker::new);
    (&TASKS, tokio_util::sync::CancellationToken::new())
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// `TEST_LOG=debug` shows the server's logs.
fn init_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
    });
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    init_logging();
    let db = fresh_db(backend).await;
    let mut config = test_config(&db);
    tweak(&mut config);
    let mut app = start(config).await;
    app._db = Some(db);
    app
}

/// Starts a server on an existing database (a second instance, say).
pub async fn start(config: Config) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let app = Application::build(config, listener)
        .await
        .expect("build app");
    let url = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run(async {
        let _ = stopped.await;
    }));
    TestApp {
        api: Api::new(&url).expect("client"),
        url,
        state,
        stop: Some(stop),
        task: Some(task),
        _db: None,
    }
}

impl TestApp {
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.url
            .trim_start_matches("http://")
            .parse()
            .expect("the server's address")
    }

    /// `DATABASE_URL` for the CLI: the same database as this server.
    pub fn database_url(&self) -> String {
        url_of(&self.state.config.database)
    }

    /// Stops the server the way SIGTERM does and waits for it.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        }
    }

    pub async fn user_with(&self, roles: &[Role], first: &str) -> TestUser {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let email = format!(
            "{}-{n}-{}@example.com",
            first.to_lowercase(),
            Uuid::new_v4().simple()
        );
        let user = create_user(
            self.state.store.as_ref(),
            NewAccount {
                email: email.clone(),
                password: PASSWORD.into(),
                first_name: first.into(),
                last_name: "Tester".into(),
                roles: roles.to_vec(),
            },
        )
        .await
        .expect("create user");
        let login = self.api.login(&email, PASSWORD).await.expect("login");
        TestUser {
            api: self.api.with_token(&login.access_token),
            token: login.access_token,
            user,
        }
    }

    pub async fn customer(&self) -> TestUser {
        self.user_with(&[Role::Customer], "Carla").await
    }

    pub async fn owner(&self) -> TestUser {
        self.user_with(&[Role::HotelOwner], "Oscar").await
    }

    pub async fn admin(&self) -> TestUser {
        self.user_with(&[Role::Admin], "Ada").await
    }

    /// A customer–hotel-owner room created by the customer.
    pub async fn room(&self, customer: &TestUser, owner: &TestUser) -> Room {
        customer
            .api
            .create_room(&CreateRoom {
                room_type: RoomType::CustomerHotelOwner,
                participant1_id: customer.id(),
                participant2_id: owner.id(),
                hotel_id: None,
            })
            .await
            .expect("create room")
    }

    pub async fn socket(&self, user: &TestUser) -> (Socket, Events) {
        Socket::connect(&self.url, SocketOptions::with_token(&user.token))
            .await
            .expect("socket connects")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Moves stored messages back in time (test fixtures only: the server stamps messages itself).
pub async fn backdate(app: &TestApp, ids: &[Uuid], by: chrono::Duration) {
    match &app.state.config.database {
        DatabaseConfig::Sqlite { path } => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .expect("open sqlite");
            for id in ids {
                sqlx::query("UPDATE chat_messages SET created_at = created_at - ?1, updated_at = updated_at - ?1 WHERE id = ?2")
                    .bind(by.num_microseconds().expect("micros"))
                    .bind(id)
                    .execute(&mut conn)
                    .await
                    .expect("backdate");
            }
        }
        DatabaseConfig::Postgres { url } => {
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .expect("open postgres");
            sqlx::query(
                "UPDATE chat_messages SET created_at = created_at - make_interval(secs => $1),
                    updated_at = updated_at - make_interval(secs => $1) WHERE id = ANY($2)",
            )
            .bind(by.num_seconds() as f64)
            .bind(ids)
            .execute(&mut conn)
            .await
            .expect("backdate");
        }
    }
}

pub fn text(room: Uuid, content: &str) -> SendMessage {
    SendMessage {
        chat_room_id: room,
        content: content.into(),
        ..SendMessage::default()
    }
}

pub async fn send(user: &TestUser, room: Uuid, content: &str) -> Message {
    user.api
        .send(&text(room, content))
        .await
        .expect("send message")
}

/// The `message` of a NestJS error body as a list (one or many).
/// A text message from `sender` stamped `at`, for storing directly (bypassing the writer).
pub fn stored_text(
    sender: &TestUser,
    room: Uuid,
    content: String,
    at: chrono::DateTime<chrono::Utc>,
) -> tigo_server::db::NewMessage {
    tigo_server::db::NewMessage {
        id: Uuid::new_v4(),
        room_id: room,
        sender: sender.user.summary(),
        content,
        message_type: tigo_common::MessageType::Text,
        file_url: None,
        file_name: None,
        file_size: None,
        metadata: None,
        client_msg_id: None,
        reply_to: None,
        created_at: at,
    }
}

/// Sends a text message over Socket.IO and returns the acknowledgement.
pub async fn send_ack(socket: &Socket, room: Uuid, content: &str) -> Value {
    socket
        .emit_ack(
            "send_message",
            &json!({"chat_room_id": room, "content": content}),
            WAIT,
        )
        .await
        .expect("ack")
}

pub fn messages_of(body: &Value) -> Vec<String> {
    match &body["message"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

/// Asserts an error body has the contract's shape and status.
pub fn assert_error(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "unexpected status, body: {body}");
    assert_eq!(body["statusCode"], json!(expected), "statusCode in {body}");
    assert!(body["error"].is_string(), "error in {body}");
    assert!(!messages_of(body).is_empty(), "message in {body}");
}

/// The versions of the migrations this build carries (the numbered files under
/// `migrations/sqlite`; PostgreSQL's folder holds the same numbers), in order.
pub fn migration_versions() -> Vec<i64> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut versions: Vec<i64> = std::fs::read_dir(&dir)
        .expect("migrations folder")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.split('_').next()?.parse().ok()
        })
        .collect();
    versions.sort_unstable();
    assert!(versions.len() >= 5, "found the migrations: {versions:?}");
    versions
}
