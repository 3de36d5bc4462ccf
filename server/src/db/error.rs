//! Storage errors, classified so the HTTP layer can tell "dependency down" (503) from a bug.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The database cannot be reached or is shutting down: the client should retry.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A unique constraint refused the write. Code that expects one matches it by
    /// [`Unique`]; the database's own text is for logs only.
    #[error("conflict: {0}")]
    Conflict(Unique),
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
                    StoreError::Conflict(Unique::of(db.as_ref()))
                } else if is_unavailable_code(&code) {
                    StoreError::Unavailable(err)
                } else {
                    StoreError::Other(err)
                }
            }
            // Row decoding (see `rows`) checks what it reads back: a failure there is a
            // stored value the code cannot read, whichever column type refused it.
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                StoreError::Corrupt(err.to_string())
            }
            _ => StoreError::Other(err),
        }
    }
}

/// The embedded group commit's driver (see `sqlite::commit`), classified as sqlx's errors are.
impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{ConstraintViolation, DatabaseBusy, DatabaseLocked};
        let wrapped = |e: &rusqlite::Error| sqlx::Error::Io(std::io::Error::other(e.to_string()));
        match err.sqlite_error_code() {
            Some(DatabaseBusy | DatabaseLocked) => StoreError::Unavailable(wrapped(&err)),
            Some(ConstraintViolation)
                if err.to_string().to_ascii_uppercase().contains("UNIQUE") =>
            {
                StoreError::Conflict(Unique::Other(err.to_string()))
            }
            _ => StoreError::Other(wrapped(&err)),
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

/// Which unique key a write ran into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unique {
    /// `users.email`: the address is taken.
    UserEmail,
    /// One no code expects: the database's message, kept for the log.
    Other(String),
}

impl Unique {
    /// PostgreSQL names the constraint; SQLite names the columns in its message.
    fn of(db: &dyn sqlx::error::DatabaseError) -> Unique {
        let constraint = db.constraint().unwrap_or_default();
        if constraint == "users_email_key" || db.message().ends_with("users.email") {
            Unique::UserEmail
        } else {
            Unique::Other(db.message().to_string())
        }
    }
}

impl std::fmt::Display for Unique {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unique::UserEmail => f.write_str("users.email is taken"),
            Unique::Other(message) => f.write_str(message),
        }
    }
}

impl StoreError {
    /// The database named does not exist (PostgreSQL `3D000`; SQLite: the file cannot be
    /// opened and may not be created).
    pub fn is_missing_database(&self) -> bool {
        match self {
            StoreError::Unavailable(sqlx::Error::Database(db))
            | StoreError::Other(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("3D000") | Some("14"))
            }
            _ => false,
        }
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}
