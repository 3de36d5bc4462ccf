//! Wire types shared by the server and its clients: the JSON shapes of the REST API and the
//! Socket.IO `/chat` events, exactly as `spec/API.md` names them. Serde, uuid and chrono only.

pub mod events;
pub mod model;
pub mod time;

pub use events::*;
pub use model::*;
