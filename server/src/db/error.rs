//! Storage errors, classified so the HTTP layer can tell "dependency down" (503) from a bug.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The database cannot be reached or is shutting down: the client should retry.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A unique constraint refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Anything else: a bug or a broken database.
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value the code cannot read back.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Protocol(_) => StoreError::Unavailable(err),
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.to_string()).unwrap_or_default();
                if db.is_unique_violation() {
                    StoreError::Conflict(db.message().to_string())
                } else if is_unavailable_code(&code) {
                    StoreError::Unavailable(err)
                } else {
                    StoreError::Other(err)
                }
            }
            _ => StoreError::Other(err),
        }
    }
}

/// PostgreSQL connection and shutdown classes and cancelled (timed-out) statements, SQLite
/// busy/locked.
fn is_unavailable_code(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("57P")
        || code == "57014"
        || code == "53300"
        || code == "5"
        || code == "6"
        || code == "261"
        || code == "517"
}

impl StoreError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}
