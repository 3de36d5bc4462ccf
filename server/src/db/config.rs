//! Which database to open and how: `DATABASE_URL` or the seed's separate variables, pool
//! sizing, and URLs made safe to log.

/// Which database a [`DatabaseConfig`] names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// A SQLite file (created when missing).
    Sqlite { path: String },
    /// A PostgreSQL connection URL.
    Postgres { url: String },
}

impl DatabaseConfig {
    /// Reads `DATABASE_URL` (`postgres://…` or `sqlite://path`), else the seed's `DB_HOST`,
    /// `DB_PORT`, `DB_USERNAME`, `DB_PASSWORD`, `DB_DATABASE`, else `./tigo-chat.db`.
    pub fn resolve(database_url: Option<&str>, parts: &DbParts) -> Result<DatabaseConfig, String> {
        if let Some(url) = database_url.filter(|u| !u.trim().is_empty()) {
            return Self::from_url(url.trim());
        }
        if let Some(host) = parts.host.as_deref().filter(|h| !h.is_empty()) {
            let user = parts.username.as_deref().unwrap_or("postgres");
            let db = parts.database.as_deref().unwrap_or("tigo_booking");
            let port = parts.port.unwrap_or(5432);
            let mut url = url_escape(user);
            if let Some(password) = parts.password.as_deref().filter(|p| !p.is_empty()) {
                url = format!("{url}:{}", url_escape(password));
            }
            return Ok(DatabaseConfig::Postgres {
                url: format!("postgres://{url}@{host}:{port}/{}", url_escape(db)),
            });
        }
        Ok(DatabaseConfig::Sqlite {
            path: "./tigo-chat.db".into(),
        })
    }

    pub fn from_url(url: &str) -> Result<DatabaseConfig, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseConfig::Postgres { url: url.into() })
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                return Err(
                    "DATABASE_URL sqlite:// needs a file path, e.g. sqlite://./chat.db".into(),
                );
            }
            Ok(DatabaseConfig::Sqlite { path: path.into() })
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            Ok(DatabaseConfig::Sqlite { path: path.into() })
        } else {
            Err("DATABASE_URL must start with postgres://, postgresql:// or sqlite://".into())
        }
    }

    /// A description safe to log: no password.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseConfig::Sqlite { path } => format!("sqlite://{path}"),
            DatabaseConfig::Postgres { url } => redact_url(url),
        }
    }
}

/// The seed's separate database variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DbParts {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub database: Option<String>,
}

fn url_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Replaces the password of a URL with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => url.to_string(),
    }
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_connections: u32,
    /// SQLite: create the file when missing (operators' read-only commands do not).
    pub create_if_missing: bool,
    /// How long a query waits for a connection before the request gets a 503.
    pub acquire_timeout: std::time::Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: 8,
            create_if_missing: true,
            acquire_timeout: std::time::Duration::from_secs(5),
        }
    }
}
