//! Uploads: `POST /chat/uploads`, a file as `multipart/form-data` (one part named `file`) or
//! as the raw body with `X-File-Name`, streamed into the file store.

use bytes::Buf;
use futures_util::{Stream, StreamExt};
use tigo_common::{ErrorBody, Upload, User};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{Binary, RATE_LIMITED, UNAUTHENTICATED};
use crate::db::AttachmentRecord;
use crate::error::{AppError, AppResult};
use crate::files::{Files, Source, Variant};
use crate::http::filters::Ctx;
use crate::http::reply::{finish, json};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[Route::new(Method::POST, "/chat/uploads", upload_route)];

#[derive(utoipa::OpenApi)]
#[openapi(paths(upload), components(schemas(Upload)))]
pub struct Api;

/// Room a multipart body may take beyond the file itself (boundaries, part headers, fields).
const MULTIPART_OVERHEAD: u64 = 1024 * 1024;

fn upload_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "uploads")
        .and(warp::post())
        .and(ctx.authed())
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::header::optional::<String>("x-file-name"))
        .and(warp::header::optional::<u64>("content-length"))
        .and(warp::body::stream())
        .then(upload)
        .map(finish)
        .boxed()
}

/// The answer to an upload: its facts and signed URLs.
pub fn upload_body(files: &Files, record: &AttachmentRecord) -> Upload {
    let now = chrono::Utc::now();
    Upload {
        id: record.id,
        file_url: files.signer.url(record.id, Variant::Original, now),
        file_name: record.file_name.clone(),
        file_size: record.file_size,
        content_type: record.content_type.clone(),
        width: record.width,
        height: record.height,
        thumbnail_url: record
            .thumbnail_size
            .map(|_| files.signer.url(record.id, Variant::Thumbnail, now)),
        duration_ms: record.duration_ms,
        waveform: record.waveform.clone(),
    }
}

/// Upload a file or image
#[utoipa::path(
    post, path = "/chat/uploads", tag = "attachments", operation_id = "uploadFile",
    description = "`multipart/form-data` with one part named `file` (what a browser's FormData \
                   sends), or the raw bytes with `X-File-Name` (percent-encoded UTF-8). The type \
                   is detected from the bytes; allowed by default: JPEG, PNG, GIF, WebP, PDF, \
                   plain text, and audio (Ogg/Opus, WebM/Opus, MP4/AAC, MP3), whose \
                   `duration_ms` and `waveform` the server reads from the file: one it cannot \
                   read, shorter than 1 s or longer than VOICE_MAX_DURATION is refused. Send it \
                   with `attachment_id` in POST /chat/messages (`type: \"voice\"` for a voice \
                   message). Uploads never sent are removed after 24 h.",
    security(("bearer" = [])),
    params(("X-File-Name" = Option<String>, Header, description = "The file's name, for a raw body")),
    request_body(
        description = "The file",
        content(
            (UploadForm = "multipart/form-data"),
            (inline(Binary) = "application/octet-stream"),
        )
    ),
    responses(
        (status = 201, description = "Stored", body = Upload),
        (status = 400, description = "Empty file, a name with a path or control characters, no or several file parts, malformed body, a recording shorter than 1 s or longer than VOICE_MAX_DURATION", body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 413, description = "File larger than MAX_UPLOAD_BYTES (25 MiB by default)", body = ErrorBody),
        (status = 415, description = "File type not allowed (detected from the bytes), or not readable as its type (an image or a recording)", body = ErrorBody),
        (status = 429, description = RATE_LIMITED, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database or the file store is unavailable, or another audio upload held this instance's turn to be read for the whole time limit; retry", body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, attachment_id))]
async fn upload<S, B>(
    state: AppState,
    user: User,
    content_type: Option<String>,
    file_name: Option<String>,
    declared: Option<u64>,
    body: S,
) -> AppResult<Response>
where
    S: Stream<Item = Result<B, warp::Error>> + Send + 'static,
    B: Buf + Send + 'static,
{
    if let Err(wait) = state.limits.upload(user.id) {
        state.metrics.rate_limited("uploads");
        let secs = crate::limits::retry_after(wait);
        return Err(AppError::TooManyRequests {
            message: format!("Too many uploads; retry in {secs} s"),
            retry_after_secs: secs,
        });
    }
    let max = state.files.config.max_upload_bytes;
    let too_large = || AppError::PayloadTooLarge(format!("File is larger than {max} bytes"));
    let body = Box::pin(body.map(|chunk| chunk.map(|mut buf| buf.copy_to_bytes(buf.remaining()))));
    let multipart = content_type.as_deref().filter(|ct| {
        ct.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/")
    });
    let source = match multipart {
        Some(ct) => {
            let boundary = multer::parse_boundary(ct)
                .map_err(|_| AppError::BadRequest("multipart/form-data needs a boundary".into()))?;
            if declared.is_some_and(|n| n > max + MULTIPART_OVERHEAD) {
                return Err(too_large());
            }
            Source::Multipart { boundary, body }
        }
        None => {
            if declared.is_some_and(|n| n > max) {
                return Err(too_large());
            }
            Source::Raw {
                name: file_name,
                body,
            }
        }
    };
    let record = crate::files::upload(&state.files, state.store.as_ref(), user.id, source).await?;
    tracing::Span::current().record("attachment_id", tracing::field::display(record.id));
    let metrics = &state.metrics;
    metrics
        .uploads
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    metrics.upload_bytes.fetch_add(
        record.file_size.max(0) as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    Ok(json(
        StatusCode::CREATED,
        &upload_body(&state.files, &record),
    ))
}

/// The multipart form, for the document.
#[derive(utoipa::ToSchema)]
#[allow(
    dead_code,
    reason = "it describes the form to the document and is never built"
)]
struct UploadForm {
    /// The file (exactly one part named `file`, with a filename)
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}
