//! tigo-chat clients: a REST client (reqwest), a Socket.IO v5 client over tokio-tungstenite,
//! and the tools built on them (smoke test, load generator, terminal UI).

pub mod api;
pub mod bench;
pub mod files;
pub mod sio;
pub mod smoke;
pub mod tui;

pub use api::{Api, ApiError};
pub use sio::{Event, Socket, SocketOptions};
