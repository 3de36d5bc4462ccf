//! Wire types shared by the server and its clients: the JSON shapes of the REST API and the
//! Socket.IO `/chat` events, exactly as `spec/API.md` names them. Serde, uuid and chrono only;
//! the `openapi` feature adds utoipa schema derives for the server's generated document.

pub mod bodies;
pub mod events;
pub mod members;
pub mod message;
pub mod model;
pub mod notifications;
pub mod reports;
pub mod safety;
#[cfg(feature = "openapi")]
mod schema;
pub mod stats;
pub mod threads;
pub mod time;
pub mod uploads;

pub use bodies::*;
pub use events::*;
pub use members::*;
pub use message::*;
pub use model::*;
pub use notifications::*;
pub use reports::*;
pub use safety::*;
pub use stats::*;
pub use threads::*;
pub use uploads::*;
