//! Voice recordings: what an audio upload holds, read from its own bytes once it is stored:
//! its length from the container's timing (never a declared value) and its waveform by
//! decoding. Reading runs on a blocking thread, one recording at a time per instance, with a
//! time limit and a cap on the audio decoded; a recording that cannot be read is refused.

mod read;
mod source;
mod waveform;

use std::time::{Duration, Instant};

use uuid::Uuid;

use super::{Files, original_key};
use crate::error::AppError;

pub use self::waveform::SLICES;

/// The shortest voice message.
pub const MIN_DURATION: Duration = Duration::from_secs(1);

/// The audio containers accepted, as detected from the bytes, and their types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioFormat {
    Ogg,
    WebM,
    Mp4,
    Mpeg,
}

impl AudioFormat {
    /// The type of an audio upload, or `None` for any other.
    pub fn of(content_type: &str) -> Option<AudioFormat> {
        match content_type {
            "audio/ogg" => Some(AudioFormat::Ogg),
            "audio/webm" => Some(AudioFormat::WebM),
            "audio/mp4" => Some(AudioFormat::Mp4),
            "audio/mpeg" => Some(AudioFormat::Mpeg),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            AudioFormat::Ogg => "Ogg",
            AudioFormat::WebM => "WebM",
            AudioFormat::Mp4 => "MP4",
            AudioFormat::Mpeg => "MPEG audio",
        }
    }
}

/// What a recording is: its length and its loudness in [`SLICES`] slices, each 0 to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Voice {
    pub duration_ms: u64,
    pub waveform: Vec<f64>,
}

/// Why a recording is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum VoiceError {
    /// Not audio of its detected type, or damaged (why, for the answer).
    Unreadable(String),
    /// It holds a video track.
    Video,
    TooShort,
    TooLong,
    /// Reading it took longer than allowed.
    TimedOut,
    /// The file store failed while it was read (nothing is wrong with the file).
    StoreFailed(String),
    /// Another reading held this instance's turn for the whole time limit (nothing is wrong
    /// with the file either).
    Busy,
}

/// The bounds of one reading.
pub struct Bounds {
    pub min: Duration,
    pub max: Duration,
    /// Reading stops with [`VoiceError::TimedOut`] once this passes.
    pub deadline: Instant,
}

/// Reads stored upload `id` (`size` bytes) of audio container `format`.
pub(super) async fn inspect(
    files: &Files,
    id: Uuid,
    size: u64,
    format: AudioFormat,
) -> Result<Voice, VoiceError> {
    let limit = files.config.voice_read_limit;
    // The turn is held by the reading thread itself: a reading past its time keeps it until
    // the thread notices the deadline, so such readings never pile up.
    // Waiting past the limit says nothing about the file: another reading was slow.
    let Ok(Some(turn)) = tokio::time::timeout(limit, files.voice_turn()).await else {
        return Err(VoiceError::Busy);
    };
    let source = source::StoreSource::new(
        files.store.clone(),
        original_key(id),
        size,
        tokio::runtime::Handle::current(),
    );
    let failure = source.failure();
    let bounds = Bounds {
        min: MIN_DURATION,
        max: files.config.voice_max_duration,
        deadline: Instant::now() + limit,
    };
    let reading = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        let read = read::read(source, format, &bounds);
        match failure.lock().map(|f| f.clone()) {
            Ok(Some(failed)) if read.is_err() => Err(VoiceError::StoreFailed(failed)),
            _ => read,
        }
    });
    // The thread checks its deadline between packets; this bounds a single packet that never
    // returns.
    match tokio::time::timeout(limit + Duration::from_secs(1), reading).await {
        Ok(Ok(read)) => read,
        Ok(Err(panicked)) => {
            tracing::warn!(%panicked, %id, "reading a recording failed");
            Err(VoiceError::Unreadable("it could not be decoded".into()))
        }
        Err(_) => Err(VoiceError::TimedOut),
    }
}

/// How a refused recording is answered: 415 for what is not readable audio of its type (or
/// not read in time), 400 for a length outside the bounds.
pub(super) fn refusal(error: VoiceError, format: AudioFormat, files: &Files) -> AppError {
    match error {
        VoiceError::Unreadable(why) => AppError::UnsupportedMediaType(format!(
            "File is not a readable {} recording: {why}",
            format.name()
        )),
        VoiceError::Video => AppError::UnsupportedMediaType(format!(
            "File is a video; allowed: {}",
            files.config.allowed_types.join(", ")
        )),
        VoiceError::TooShort => AppError::validation(format!(
            "a voice recording must be at least {} s long",
            MIN_DURATION.as_secs()
        )),
        VoiceError::TooLong => AppError::validation(format!(
            "a voice recording must not be longer than {} (VOICE_MAX_DURATION)",
            written(files.config.voice_max_duration)
        )),
        VoiceError::TimedOut => AppError::UnsupportedMediaType(format!(
            "File could not be read as audio within {} s",
            files.config.voice_read_limit.as_secs_f64()
        )),
        VoiceError::StoreFailed(why) => AppError::unavailable(format!("file store: {why}")),
        VoiceError::Busy => AppError::unavailable(format!(
            "another recording held the turn to read audio for {} s",
            files.config.voice_read_limit.as_secs_f64()
        )),
    }
}

/// A length as the configuration writes it: `10m`, `90s` reads `1m30s`, `1h`.
fn written(length: Duration) -> String {
    let secs = length.as_secs();
    let parts = [(secs / 3600, "h"), (secs / 60 % 60, "m"), (secs % 60, "s")];
    let text: String = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if text.is_empty() {
        format!("{}ms", length.as_millis())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_read_as_configured() {
        assert_eq!(written(Duration::from_secs(600)), "10m");
        assert_eq!(written(Duration::from_secs(90)), "1m30s");
        assert_eq!(written(Duration::from_secs(3600)), "1h");
        assert_eq!(written(Duration::from_millis(500)), "500ms");
    }
}
