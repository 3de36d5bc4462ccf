//! Attachments: uploads streamed into the file store (a local folder or any S3-compatible
//! object store, both through `object_store`), their facts in the database, signed download
//! URLs, thumbnails, and retention. REST (`http::routes::uploads`) and the send path
//! (`chat::messages`) call into this module; it calls only the store, the database and errors.

mod attach;
mod detect;
mod download;
mod retention;
mod sign;
mod store;
mod thumb;
mod upload;
mod voice;

use std::sync::Arc;
use std::time::Duration;

pub use self::attach::{resolve as resolve_attachment, sign_message, sign_messages};
pub use self::download::{Download, Reader, Variant, open as open_download};
pub use self::retention::{purge_unreferenced, sweep_unattached};
pub use self::sign::{Signature, Signer};
pub use self::store::{FileStore, S3Settings, S3Spec, StoreSpec};
pub use self::upload::{Source, upload};
pub use self::voice::{AudioFormat, MIN_DURATION as VOICE_MIN_DURATION, SLICES as WAVEFORM_SLICES};

/// How attachments behave; each field has a flag and an environment variable in `serve`.
#[derive(Clone)]
pub struct FilesConfig {
    /// `FILE_STORE`: a folder path (default `./tigo-chat-files`) or `s3://bucket/prefix`.
    pub store: StoreSpec,
    /// `MAX_UPLOAD_BYTES`: the largest file accepted.
    pub max_upload_bytes: u64,
    /// `ALLOWED_FILE_TYPES`: detected types accepted.
    pub allowed_types: Vec<String>,
    /// `FILE_URL_TTL`: how long a signed URL works.
    pub url_ttl: Duration,
    /// `PUBLIC_URL`: the origin clients reach this service at (signed URLs are absolute);
    /// `None`: the address the server listens on.
    pub public_url: Option<String>,
    /// `UPLOADS_PER_MINUTE` per user (0: no limit).
    pub uploads_per_minute: u32,
    /// `UNATTACHED_UPLOAD_TTL`: uploads never sent in a message are removed after this long.
    pub unattached_ttl: Duration,
    /// How often the sweep for unattached uploads runs.
    pub sweep_every: Duration,
    /// `VOICE_MAX_DURATION`: the longest audio upload.
    pub voice_max_duration: Duration,
    /// `VOICE_MESSAGES`: the room types voice messages (and audio attachments) may be sent in.
    pub voice_rooms: Vec<tigo_common::RoomType>,
    /// How long reading one audio upload may take (waiting for its turn included).
    pub voice_read_limit: Duration,
}

impl std::fmt::Debug for FilesConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilesConfig")
            .field("store", &self.store)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("allowed_types", &self.allowed_types)
            .field("url_ttl", &self.url_ttl)
            .field("public_url", &self.public_url)
            .field("voice_max_duration", &self.voice_max_duration)
            .field("voice_rooms", &self.voice_rooms)
            .finish_non_exhaustive()
    }
}

/// The contract's default types.
pub const DEFAULT_TYPES: [&str; 10] = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "audio/ogg",
    "audio/webm",
    "audio/mp4",
    "audio/mpeg",
];

/// The contract's default `VOICE_MESSAGES`: support rooms (spoken contact details cannot be
/// masked, so not between guests and hotels).
pub const DEFAULT_VOICE_ROOMS: [tigo_common::RoomType; 2] = [
    tigo_common::RoomType::CustomerAdmin,
    tigo_common::RoomType::HotelOwnerAdmin,
];

impl Default for FilesConfig {
    fn default() -> Self {
        FilesConfig {
            store: StoreSpec::Local("./tigo-chat-files".into()),
            max_upload_bytes: 25 * 1024 * 1024,
            allowed_types: DEFAULT_TYPES.iter().map(|t| t.to_string()).collect(),
            url_ttl: Duration::from_secs(3600),
            public_url: None,
            uploads_per_minute: 30,
            unattached_ttl: Duration::from_secs(24 * 3600),
            sweep_every: Duration::from_secs(600),
            voice_max_duration: Duration::from_secs(600),
            voice_rooms: DEFAULT_VOICE_ROOMS.to_vec(),
            voice_read_limit: Duration::from_secs(15),
        }
    }
}

/// What handlers hold: the store, the URL signer and the settings. Cheap to clone.
#[derive(Clone)]
pub struct Files {
    pub store: FileStore,
    pub signer: Signer,
    pub config: Arc<FilesConfig>,
    /// Thumbnails decode whole images; one at a time per instance bounds that memory.
    thumbnails: Arc<tokio::sync::Semaphore>,
    /// Audio uploads are read whole and decoded; one at a time per instance, likewise.
    voices: Arc<tokio::sync::Semaphore>,
}

impl Files {
    /// Opens the configured store; `secret` is the key material the signing key derives from,
    /// `origin` the absolute origin signed URLs start with.
    pub fn open(config: FilesConfig, secret: &[u8], origin: &str) -> Result<Files, String> {
        let store = FileStore::open(&config.store)?;
        let origin = config.public_url.as_deref().unwrap_or(origin);
        Ok(Files {
            store,
            signer: Signer::new(secret, origin.trim_end_matches('/'), config.url_ttl),
            config: Arc::new(config),
            thumbnails: Arc::new(tokio::sync::Semaphore::new(1)),
            voices: Arc::new(tokio::sync::Semaphore::new(1)),
        })
    }

    /// This instance's turn to read a recording: readings take turns, and each holds its turn
    /// on its thread until it stops (public so that tests can keep it taken).
    pub async fn voice_turn(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.voices.clone().acquire_owned().await.ok()
    }

    pub fn is_allowed(&self, content_type: &str) -> bool {
        self.config.allowed_types.iter().any(|t| t == content_type)
    }

    /// Whether voice messages and audio attachments may be sent in rooms of this type.
    pub fn voice_allowed(&self, room_type: tigo_common::RoomType) -> bool {
        self.config.voice_rooms.contains(&room_type)
    }
}

/// The origin signed URLs start with when `PUBLIC_URL` is unset: the address the server
/// listens on, `http://HOST:PORT`, with a wildcard address (`0.0.0.0`, `::`) read as the
/// loopback one. The server passes its bound address; `admin export` the configured
/// `HOST` and `PORT`, so both agree.
pub fn listen_origin(host: &str, port: u16) -> String {
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_unspecified() => format!("http://127.0.0.1:{port}"),
        Ok(ip) => format!("http://{}", std::net::SocketAddr::new(ip, port)),
        Err(_) => format!("http://{host}:{port}"),
    }
}

/// The object keys of an attachment: the uploaded bytes and the thumbnail.
pub fn original_key(id: uuid::Uuid) -> String {
    format!("files/{id}")
}

pub fn thumbnail_key(id: uuid::Uuid) -> String {
    format!("thumbnails/{id}")
}
