//! Test databases: a temporary SQLite file, or a database of its own on the PostgreSQL that
//! `scripts/test.sh` starts; each removed when the test ends.

use sqlx::Connection;
use tigo_server::db::DatabaseConfig;
use uuid::Uuid;

use crate::helpers::Backend;

/// A fresh database of the backend; removed when dropped.
pub struct TestDb {
    pub config: DatabaseConfig,
    sqlite_path: Option<std::path::PathBuf>,
    /// The PostgreSQL database this test created on the shared server.
    pg_name: Option<String>,
}

impl TestDb {
    /// A database someone else owns (not removed when dropped).
    pub fn from_url(url: &str) -> TestDb {
        TestDb {
            config: DatabaseConfig::from_url(url).expect("database url"),
            sqlite_path: None,
            pg_name: None,
        }
    }

    /// `DATABASE_URL` for the CLI.
    pub fn database_url(&self) -> String {
        url_of(&self.config)
    }
}

pub fn url_of(config: &DatabaseConfig) -> String {
    match config {
        DatabaseConfig::Sqlite { path } => format!("sqlite://{path}"),
        DatabaseConfig::Postgres { url } => url.clone(),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(path) = &self.sqlite_path {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        if let Some(name) = self.pg_name.take() {
            drop_pg_database(name);
        }
    }
}

/// A loopback port that refuses every connection, for "the service is down" cases. Port 1:
/// below the ephemeral range that `free_port` and every server on port 0 draw from, so no test
/// is ever given it while another counts on it staying dead (a released `free_port` can be).
pub fn dead_port() -> u16 {
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", 1)).is_err(),
        "something listens on 127.0.0.1:1; the tests need it closed"
    );
    1
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub fn pg_url() -> String {
    std::env::var("TEST_PG_URL").unwrap_or_else(|_| {
        panic!("TEST_PG_URL is not set: run scripts/test.sh, which starts a private PostgreSQL")
    })
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| {
        panic!("TEST_REDIS_URL is not set: run scripts/test.sh, which starts a private Redis")
    })
}

/// Drops a test's PostgreSQL database, ending its sessions. A test's servers are not waited
/// for when it ends, so their pools would otherwise keep connections open for the rest of the
/// run, and a few hundred tests would use up the shared server's connection limit. Runs on a
/// thread of its own: `Drop` cannot await, and may run inside the test's runtime.
fn drop_pg_database(name: String) {
    let admin = pg_url();
    let _ = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = sqlx::query(&drop).execute(&mut conn).await;
                let _ = conn.close().await;
            }
        });
    })
    .join();
}

pub async fn fresh_db(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => {
            let path =
                std::env::temp_dir().join(format!("tigo-test-{}.db", Uuid::new_v4().simple()));
            TestDb {
                config: DatabaseConfig::Sqlite {
                    path: path.display().to_string(),
                },
                sqlite_path: Some(path),
                pg_name: None,
            }
        }
        Backend::Postgres => {
            let admin = pg_url();
            let name = format!("t_{}", Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to TEST_PG_URL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            TestDb {
                config: DatabaseConfig::Postgres {
                    url: format!("{base}/{name}"),
                },
                sqlite_path: None,
                pg_name: Some(name),
            }
        }
    }
}
