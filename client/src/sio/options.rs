//! How to connect (namespace, auth payload, headers, query, timeout, local address, a session
//! to resume) and what can go wrong.

use super::*;

#[derive(Debug, thiserror::Error)]
pub enum SioError {
    /// The server refused the namespace connection (`connect_error`).
    #[error("connection refused: {0}")]
    Refused(String),
    /// Nothing answers at the server's address.
    #[error("cannot connect to {0}: is the server running?")]
    Unreachable(String),
    #[error("socket error: {0}")]
    Transport(String),
    #[error("timed out waiting for {0}")]
    Timeout(String),
    #[error("the connection is closed")]
    Closed,
}

/// How to authenticate: `auth` payload, headers, query parameters.
#[derive(Debug, Clone)]
pub struct SocketOptions {
    pub namespace: String,
    pub auth: Option<Value>,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub connect_timeout: Duration,
    /// Local address to connect from (load tests spread over several loopback addresses).
    pub bind: Option<std::net::IpAddr>,
    /// A session to resume (from [`Socket::resume`](super::Socket::resume) of the last
    /// connection), sent in the CONNECT auth as the official client does.
    pub resume: Option<Resume>,
}

/// A recoverable session: its private id and the offset of the last event received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    pub pid: String,
    pub offset: Option<String>,
}

impl SocketOptions {
    /// `/chat` with `auth: {token}`.
    pub fn with_token(token: &str) -> SocketOptions {
        SocketOptions {
            auth: serde_json::to_value(tigo_common::ConnectAuth {
                token: token.into(),
            })
            .ok(),
            ..SocketOptions::default()
        }
    }
}

impl Default for SocketOptions {
    fn default() -> Self {
        SocketOptions {
            namespace: tigo_common::NAMESPACE.into(),
            auth: None,
            headers: Vec::new(),
            query: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            bind: None,
            resume: None,
        }
    }
}
