//! Uploads, streamed: the body goes to the store in chunks as it arrives, the type is decided
//! from the first bytes before anything is stored, an oversized file is refused the moment it
//! passes the limit, and the upload becomes visible (store object, then database row) only once
//! it is whole and accepted. Any failure on the way leaves nothing stored.

use bytes::Bytes;
use chrono::Utc;
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

use super::store::Upload;
use super::thumb::{self, ThumbError};
use super::voice::{self, AudioFormat, Voice, VoiceError};
use super::{Files, detect, original_key, thumbnail_key};
use crate::db::{AttachmentRecord, Store};
use crate::error::{AppError, AppResult};

/// Form fields other than the file are read and ignored, up to this much.
const MAX_FIELD_BYTES: usize = 64 * 1024;

/// The body of `POST /chat/uploads`.
pub enum Source<S> {
    /// A raw body; `name` from `X-File-Name` (percent-encoded UTF-8).
    Raw { name: Option<String>, body: S },
    /// `multipart/form-data` with one part named `file`.
    Multipart { boundary: String, body: S },
}

/// Stores an upload of `uploader`'s and records it; returns its record.
pub async fn upload<S, E>(
    files: &Files,
    store: &dyn Store,
    uploader: Uuid,
    source: Source<S>,
) -> AppResult<AttachmentRecord>
where
    S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let id = Uuid::now_v7();
    let mut receiving = Receiving::new(files, id);
    let received = match receive(&mut receiving, source).await {
        Ok(name) => receiving.finish().await.map(|(ct, size)| (name, ct, size)),
        Err(err) => {
            receiving.abort().await;
            Err(err)
        }
    };
    let (file_name, content_type, size) = received?;
    let described = match describe(files, id, size, content_type).await {
        Ok(described) => described,
        Err(err) => {
            remove(files, id).await;
            return Err(err);
        }
    };
    let thumbnail = described.thumbnail;
    let record = AttachmentRecord {
        id,
        uploader_id: uploader,
        file_name,
        content_type: described.content_type.to_string(),
        file_size: size as i64,
        width: thumbnail.as_ref().map(|t| i64::from(t.0)),
        height: thumbnail.as_ref().map(|t| i64::from(t.1)),
        thumbnail_size: thumbnail.as_ref().map(|t| t.2 as i64),
        duration_ms: described.voice.as_ref().map(|v| v.duration_ms as i64),
        waveform: described.voice.map(|v| v.waveform),
        created_at: Utc::now(),
        attached_at: None,
    };
    if let Err(err) = store.insert_attachment(&record).await {
        remove(files, id).await;
        return Err(err.into());
    }
    Ok(record)
}

/// Reads the source into `receiving`; returns the file's name.
async fn receive<S, E>(receiving: &mut Receiving<'_>, source: Source<S>) -> AppResult<String>
where
    S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    match source {
        Source::Raw { name, mut body } => {
            let name = name.ok_or_else(|| {
                AppError::validation("X-File-Name header is required for a raw upload")
            })?;
            let name = detect::header_file_name(&name).map_err(AppError::validation)?;
            while let Some(chunk) = body.next().await {
                let chunk = chunk
                    .map_err(|_| AppError::BadRequest("Could not read the request body".into()))?;
                receiving.push(&chunk).await?;
            }
            Ok(name)
        }
        Source::Multipart { boundary, body } => {
            let mut form = multer::Multipart::new(body, boundary);
            let mut name = None;
            while let Some(mut field) = form.next_field().await.map_err(malformed)? {
                if field.name() != Some("file") {
                    // A file under another name is a client's mistake to be told of, not a
                    // form field to skip (the upload would end "no part named file").
                    if field.file_name().is_some() {
                        return Err(AppError::validation(
                            "the file must be in a part named file",
                        ));
                    }
                    let mut read = 0;
                    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                        read += chunk.len();
                        if read > MAX_FIELD_BYTES {
                            return Err(AppError::PayloadTooLarge(
                                "A form field is larger than 64 KB".into(),
                            ));
                        }
                    }
                    continue;
                }
                if name.is_some() {
                    return Err(AppError::validation(
                        "multipart body must have exactly one part named file",
                    ));
                }
                let given = field.file_name().map(str::to_string).ok_or_else(|| {
                    AppError::validation("the part named file must have a filename")
                })?;
                name = Some(detect::file_name(&given).map_err(AppError::validation)?);
                while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                    receiving.push(&chunk).await?;
                }
            }
            name.ok_or_else(|| AppError::validation("multipart body must have a part named file"))
        }
    }
}

fn malformed(err: multer::Error) -> AppError {
    AppError::BadRequest(format!("Malformed multipart body: {err}"))
}

/// One upload on its way in: the first bytes until the type is known, then the store.
struct Receiving<'a> {
    files: &'a Files,
    id: Uuid,
    head: Vec<u8>,
    open: Option<(Upload, &'static str)>,
    /// For `text/plain`: the rest of the file must be text too.
    text: Option<detect::TextCheck>,
    size: u64,
}

impl<'a> Receiving<'a> {
    fn new(files: &'a Files, id: Uuid) -> Receiving<'a> {
        Receiving {
            files,
            id,
            head: Vec::new(),
            open: None,
            text: None,
            size: 0,
        }
    }

    async fn push(&mut self, chunk: &[u8]) -> AppResult<()> {
        self.size += chunk.len() as u64;
        let max = self.files.config.max_upload_bytes;
        if self.size > max {
            return Err(AppError::PayloadTooLarge(format!(
                "File is larger than {max} bytes"
            )));
        }
        match &mut self.open {
            Some((upload, _)) => {
                if self.text.as_mut().is_some_and(|text| !text.feed(chunk)) {
                    return Err(not_text(self.files));
                }
                upload.write(chunk).await
            }
            None => {
                self.head.extend_from_slice(chunk);
                if self.head.len() >= detect::HEAD_BYTES {
                    self.start().await?;
                }
                Ok(())
            }
        }
    }

    /// Decides the type from the head and, when it is allowed, starts the stored object.
    async fn start(&mut self) -> AppResult<()> {
        let detected = detect::content_type(&self.head);
        let video = detected.and_then(detect::video_name);
        let content_type = match (detected, video) {
            (Some(t), _) if self.files.is_allowed(t) => t,
            // A container the audio types do not admit may be a video of an allowed type: it is
            // stored as a file, not read.
            (_, Some(v)) if self.files.is_allowed(v) => v,
            (other, _) => {
                return Err(AppError::UnsupportedMediaType(format!(
                    "File type {} is not allowed; allowed: {}",
                    other.unwrap_or("unknown"),
                    self.files.config.allowed_types.join(", ")
                )));
            }
        };
        if content_type == "text/plain" {
            let mut text = detect::TextCheck::default();
            if !text.feed(&self.head) {
                return Err(not_text(self.files));
            }
            self.text = Some(text);
        }
        let mut upload = self.files.store.create(&original_key(self.id)).await?;
        let head = std::mem::take(&mut self.head);
        let written = upload.write(&head).await;
        self.open = Some((upload, content_type));
        written
    }

    async fn finish(mut self) -> AppResult<(&'static str, u64)> {
        if self.size == 0 {
            return Err(AppError::validation("file should not be empty"));
        }
        if self.open.is_none()
            && let Err(err) = self.start().await
        {
            self.abort().await;
            return Err(err);
        }
        if self.text.take().is_some_and(|text| !text.end()) {
            let refused = not_text(self.files);
            self.abort().await;
            return Err(refused);
        }
        match self.open.take() {
            Some((upload, content_type)) => {
                upload.finish().await?;
                Ok((content_type, self.size))
            }
            None => Err(AppError::internal("upload not started")),
        }
    }

    async fn abort(mut self) {
        if let Some((upload, _)) = self.open.take() {
            upload.abort().await;
        }
    }
}

/// A file that began as text and turned out not to be.
fn not_text(files: &Files) -> AppError {
    AppError::UnsupportedMediaType(format!(
        "File is not text: text/plain must be UTF-8 without control characters; allowed: {}",
        files.config.allowed_types.join(", ")
    ))
}

/// What reading an upload tells: an image's size and thumbnail, a recording's length and
/// waveform.
struct Described {
    content_type: &'static str,
    /// Width, height, thumbnail bytes.
    thumbnail: Option<(u32, u32, usize)>,
    voice: Option<Voice>,
}

/// Reads a stored upload of the detected type (`size` bytes); refuses what is not what its
/// type says.
async fn describe(
    files: &Files,
    id: Uuid,
    size: u64,
    content_type: &'static str,
) -> AppResult<Described> {
    let Some(format) = AudioFormat::of(content_type) else {
        return Ok(Described {
            content_type,
            thumbnail: thumbnail(files, id, content_type).await?,
            voice: None,
        });
    };
    match voice::inspect(files, id, size, format).await {
        Ok(voice) => Ok(Described {
            content_type,
            thumbnail: None,
            voice: Some(voice),
        }),
        // A video in an audio container: a file where its own type is allowed.
        Err(VoiceError::Video) => match detect::video_name(content_type) {
            Some(video) if files.is_allowed(video) => Ok(Described {
                content_type: video,
                thumbnail: None,
                voice: None,
            }),
            _ => Err(voice::refusal(VoiceError::Video, format, files)),
        },
        Err(refused) => Err(voice::refusal(refused, format, files)),
    }
}

/// For an image: its size and a stored thumbnail (width, height, thumbnail bytes).
async fn thumbnail(
    files: &Files,
    id: Uuid,
    content_type: &str,
) -> AppResult<Option<(u32, u32, usize)>> {
    if !detect::is_image(content_type) {
        return Ok(None);
    }
    let _turn = files
        .thumbnails
        .acquire()
        .await
        .map_err(|_| AppError::unavailable("shutting down"))?;
    let bytes = files.store.read_all(&original_key(id)).await?;
    let content_type = content_type.to_string();
    let made = tokio::task::spawn_blocking(move || thumb::make(&bytes, &content_type))
        .await
        .map_err(|e| AppError::internal(format!("thumbnail task failed: {e}")))?;
    let made = match made {
        Ok(made) => made,
        Err(ThumbError::Invalid) => {
            return Err(AppError::UnsupportedMediaType(
                "File is not a valid image of its type".into(),
            ));
        }
        Err(ThumbError::TooLarge) => {
            return Err(AppError::PayloadTooLarge(
                "Image is larger than 50 megapixels".into(),
            ));
        }
    };
    let size = made.bytes.len();
    files
        .store
        .put(&thumbnail_key(id), Bytes::from(made.bytes))
        .await?;
    Ok(Some((made.width, made.height, size)))
}

/// Removes what an upload stored, after it was refused late; a failure is only logged.
pub(super) async fn remove(files: &Files, id: Uuid) {
    for key in [original_key(id), thumbnail_key(id)] {
        if let Err(err) = files.store.delete(&key).await {
            tracing::warn!(%err, %key, "could not remove a refused upload's file");
        }
    }
}
