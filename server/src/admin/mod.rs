//! Operations behind `tigo-chat admin …`: the same database (and Redis) settings as `serve`,
//! results as plain data for the binary to print as tables or JSON. By resource: [`users`],
//! [`rooms`], and the operations proper ([`ops`]: migrate, health, stats, audit, monitor).

mod hotels;
mod notify;
mod ops;
mod rooms;
mod safety;
mod users;

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

pub use self::hotels::MEMBER_CACHE_TTL;
pub use self::notify::{NotifyTest, TestPush};
pub use self::ops::{HealthReport, MonitorLine, StatsReport};
pub use self::rooms::{PurgeOutcome, RoomFilter, RoomRow};
pub use self::users::UserRow;
use crate::auth::Keys;
use crate::db::{self, DatabaseConfig, PoolOptions, Store, UserRecord};
use crate::error::AppError;

/// What an operator command can fail with; the binary prints it and exits 1.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NeedsRedis(String),
    /// Nothing to read: the command would otherwise create an empty database.
    #[error("no tigo-chat database at {0}: run `tigo-chat admin migrate` or set DATABASE_URL")]
    NoDatabase(String),
    #[error(transparent)]
    Store(#[from] db::StoreError),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("{0}")]
    App(String),
}

impl From<AppError> for AdminError {
    /// A rule of the service layer broken: its 404s and 400s keep their kind.
    fn from(err: AppError) -> Self {
        let message = err.message().to_string();
        match err {
            AppError::NotFound(_) => AdminError::NotFound(message),
            AppError::Validation(_) | AppError::BadRequest(_) => AdminError::Invalid(message),
            _ => AdminError::App(message),
        }
    }
}

/// An event for the servers' bus, from no instance of theirs (none ignores it as its own).
fn envelope<T: serde::Serialize>(
    event: crate::bus::RoomEvent,
    room: Uuid,
    data: &T,
) -> crate::bus::Envelope {
    crate::bus::Envelope::new(event, Some(room), crate::bus::encode(data), Uuid::now_v7())
}

pub type AdminResult<T> = Result<T, AdminError>;

pub struct Admin {
    store: Arc<dyn Store>,
    redis: Option<redis::Client>,
    jwt_secret: Option<String>,
    /// The servers' attachment settings (purge removes files, export signs their URLs).
    files: crate::files::FilesConfig,
    /// Where signed URLs start without `PUBLIC_URL`.
    origin: String,
}

/// The store's background task runs as long as the command (one process, one command).
fn cli_owner() -> (
    &'static tokio_util::task::TaskTracker,
    tokio_util::sync::CancellationToken,
) {
    static TASKS: std::sync::LazyLock<tokio_util::task::TaskTracker> =
        std::sync::LazyLock::new(tokio_util::task::TaskTracker::new);
    (&TASKS, tokio_util::sync::CancellationToken::new())
}

/// Opens the database; unless `pool.create_if_missing`, one that does not exist yet (no file,
/// no such PostgreSQL database, or no tigo-chat schema in it) is an error, and nothing is made.
async fn open_store(database: &DatabaseConfig, pool: &PoolOptions) -> AdminResult<Arc<dyn Store>> {
    let missing = || AdminError::NoDatabase(database.redacted());
    if pool.create_if_missing {
        return Ok(db::connect(database, pool, cli_owner()).await?);
    }
    if let DatabaseConfig::Sqlite { path } = database
        && !std::path::Path::new(path).exists()
    {
        return Err(missing());
    }
    let store = match db::connect(database, pool, cli_owner()).await {
        Ok(store) => store,
        Err(err) if err.is_missing_database() => return Err(missing()),
        Err(err) => return Err(err.into()),
    };
    if store.applied_migrations().await?.is_empty() {
        return Err(missing());
    }
    Ok(store)
}

impl Admin {
    pub async fn connect(
        database: &DatabaseConfig,
        pool: &PoolOptions,
        redis_url: Option<&str>,
        jwt_secret: Option<String>,
    ) -> AdminResult<Admin> {
        let store = open_store(database, pool).await?;
        let redis = redis_url
            .filter(|u| !u.trim().is_empty())
            .map(redis::Client::open)
            .transpose()?;
        Ok(Admin {
            store,
            redis,
            jwt_secret,
            files: crate::files::FilesConfig::default(),
            origin: crate::files::listen_origin("127.0.0.1", 3000),
        })
    }

    /// The servers' attachment settings (default: the local folder).
    pub fn with_files(mut self, files: crate::files::FilesConfig) -> Admin {
        self.files = files;
        self
    }

    /// Where the servers listen (`HOST`, `PORT`): exported URLs start there when
    /// `PUBLIC_URL` is unset, as the servers' own do (default `127.0.0.1:3000`).
    pub fn listening_on(mut self, host: &str, port: u16) -> Admin {
        self.origin = crate::files::listen_origin(host, port);
        self
    }

    /// The servers' file store and URL signer. Exported URLs start with `PUBLIC_URL`, else
    /// the servers' listen address ([`Admin::listening_on`]).
    pub async fn files(&self) -> AdminResult<crate::files::Files> {
        let secret =
            crate::auth::secret::resolve(self.jwt_secret.as_deref(), self.store.as_ref()).await?;
        crate::files::Files::open(self.files.clone(), secret.value.as_bytes(), &self.origin)
            .map_err(AdminError::Invalid)
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn has_redis(&self) -> bool {
        self.redis.is_some()
    }

    async fn redis_conn(&self) -> AdminResult<redis::aio::MultiplexedConnection> {
        let client = self.redis.as_ref().ok_or_else(|| {
            AdminError::NeedsRedis("this needs Redis: set REDIS_URL (or --redis-url)".into())
        })?;
        let conn = tokio::time::timeout(
            Duration::from_secs(3),
            client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| AdminError::Invalid("Redis did not answer within 3 s".into()))??;
        Ok(conn)
    }

    /// A user by email or id.
    pub async fn find_user(&self, who: &str) -> AdminResult<UserRecord> {
        let found = match Uuid::parse_str(who.trim()) {
            Ok(id) => self.store.user_by_id(id).await?,
            Err(_) => {
                self.store
                    .user_by_email(&crate::accounts::normalize_email(who))
                    .await?
            }
        };
        found.ok_or_else(|| AdminError::NotFound(format!("no user {who}")))
    }

    /// The servers' signing keys (`JWT_SECRET`, else the secret stored in the database).
    pub async fn keys(&self) -> AdminResult<Keys> {
        let secret =
            crate::auth::secret::resolve(self.jwt_secret.as_deref(), self.store.as_ref()).await?;
        Ok(Keys::new(secret.value.as_bytes()))
    }

    /// Publishes an event on the servers' bus (`chat:events`), when there is Redis; a failure
    /// is logged (`what` names it), the change itself is stored already.
    async fn publish(&self, envelope: crate::bus::Envelope, what: &str) {
        if self.redis.is_none() {
            return;
        }
        let Ok(text) = serde_json::to_string(&envelope) else {
            return;
        };
        let sent = match self.redis_conn().await {
            Ok(mut conn) => redis::cmd("PUBLISH")
                .arg(crate::bus::EVENTS_CHANNEL)
                .arg(text)
                .query_async::<i64>(&mut conn)
                .await
                .map_err(AdminError::from),
            Err(err) => Err(err),
        };
        if let Err(err) = sent {
            tracing::warn!(%err, event = what, "could not announce the change to the servers");
        }
    }

    /// Operator commands are audited with no actor.
    async fn record(&self, entry: db::AuditEntry) {
        if let Err(err) = self.store.audit(&entry).await {
            tracing::warn!(%err, action = entry.action, "could not write the audit log");
        }
    }
}
