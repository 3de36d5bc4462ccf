//! The saved session: the last token per server, in the user's config directory, readable by
//! the user alone (0600).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Session {
    pub url: String,
    pub email: String,
    pub token: String,
}

/// `$XDG_CONFIG_HOME/tigo-chat/session.json`, else `~/.config/tigo-chat/session.json`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("tigo-chat").join("session.json"))
}

pub fn load(path: &std::path::Path, url: &str) -> Option<Session> {
    let text = std::fs::read_to_string(path).ok()?;
    let session: Session = serde_json::from_str(&text).ok()?;
    (session.url == url).then_some(session)
}

pub fn save(path: &std::path::Path, session: &Session) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string(session).map_err(std::io::Error::other)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(text.as_bytes())
}

pub fn forget(path: &std::path::Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_session_is_private_and_per_server() {
        let dir =
            std::env::temp_dir().join(format!("tigo-session-{}", uuid::Uuid::new_v4().simple()));
        let path = dir.join("session.json");
        let s = Session {
            url: "http://a".into(),
            email: "e@x.io".into(),
            token: "t".into(),
        };
        save(&path, &s).expect("save");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(load(&path, "http://a"), Some(s));
        assert_eq!(load(&path, "http://b"), None);
        forget(&path).expect("forget");
        assert!(!path.exists());
        forget(&path).expect("forgetting twice is fine");
        let _ = std::fs::remove_dir_all(dir);
    }
}
