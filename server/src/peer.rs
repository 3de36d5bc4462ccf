//! The client's address as the accept loop saw it, put on every request (REST and the
//! Socket.IO handshake) for per-address limits and logs. (Under a custom accept loop warp's
//! own `remote()` is empty.)

use std::net::SocketAddr;

#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub SocketAddr);
