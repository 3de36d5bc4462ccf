//! Attachments: the answer to an upload.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `POST /chat/uploads`: the stored upload. `width`, `height` and `thumbnail_url` are set for
/// images, `duration_ms` and `waveform` for audio, `null` otherwise; the URLs are signed and
/// expire (`FILE_URL_TTL`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    pub id: Uuid,
    pub file_url: String,
    pub file_name: String,
    pub file_size: i64,
    /// Detected from the bytes.
    pub content_type: String,
    /// Pixels as the image is shown, its EXIF orientation applied: a phone's portrait photo
    /// stored sideways is reported (and thumbnailed) as portrait.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub width: Option<i64>,
    /// Pixels as shown, like `width`.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub height: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub thumbnail_url: Option<String>,
    /// Audio: its length in milliseconds, from the container's timing.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(default)]
    pub duration_ms: Option<i64>,
    /// Audio: the loudness of 64 equal slices, each from 0 (silence) to 1 (the loudest
    /// slice): every slice's RMS over the loudest one's.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, min_items = 64, max_items = 64)
    )]
    #[serde(default)]
    pub waveform: Option<Vec<f64>>,
}
