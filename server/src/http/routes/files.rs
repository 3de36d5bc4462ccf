//! Downloads: `GET /chat/files/{fileId}` and its `/thumbnail`, by bearer token or by the
//! signature of a URL the server handed out, streamed with headers that keep a browser from
//! running an upload as a page.

use tigo_common::ErrorBody;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::header::{self, HeaderMap, HeaderValue};
use warp::http::{Method, StatusCode};
use warp::path::FullPath;
use warp::reply::{Reply, Response};

use super::Route;
use super::openapi::{Binary, FORBIDDEN, INVALID};
use crate::chat::is_admin;
use crate::error::{AppError, AppResult};
use crate::files::{Download, Reader, Signature, Variant};
use crate::http::filters::{Ctx, PathId, bearer, path_uuid};
use crate::http::reply::error_reply;
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(Method::GET, "/chat/files/{fileId}", file_route),
    Route::new(
        Method::GET,
        "/chat/files/{fileId}/thumbnail",
        thumbnail_route,
    ),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(file, thumbnail))]
pub struct Api;

/// What every download filter extracts after its path.
fn request(ctx: &Ctx) -> BoxedFilter<(Request, AppState)> {
    warp::get()
        .and(warp::path::full())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::header::optional::<String>("authorization"))
        .and(warp::header::optional::<String>("range"))
        .map(|path, query, authorization, range| Request {
            path,
            query,
            authorization,
            range,
        })
        .and(ctx.state())
        .boxed()
}

fn file_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "files" / ..)
        .and(path_uuid("fileId"))
        .and(warp::path::end())
        .and(request(ctx))
        .then(file)
        .boxed()
}

fn thumbnail_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "files" / ..)
        .and(path_uuid("fileId"))
        .and(warp::path!("thumbnail"))
        .and(request(ctx))
        .then(thumbnail)
        .boxed()
}

/// Download an attachment
#[utoipa::path(
    get, path = "/chat/files/{fileId}", tag = "attachments", operation_id = "downloadFile",
    description = "Exactly the uploaded bytes. Allowed for the uploader, the participants of a \
                   room holding a message with it, and Admins: by bearer token, or by the \
                   `exp` and `sig` of a `file_url` the server handed out (valid for FILE_URL_TTL, \
                   so `<img src>` works without headers). Once every message holding a sent \
                   file is deleted, only its uploader gets it (404 for anyone else, signed URLs \
                   included). Not images come with `Content-Disposition: attachment`. `Range` \
                   gets 206. `HEAD` answers the same headers without the body.",
    params(
        ("fileId" = Uuid, Path),
        ("exp" = Option<i64>, Query, description = "Expiry of a signed URL (Unix seconds)"),
        ("sig" = Option<String>, Query, description = "Signature of a signed URL"),
        ("Range" = Option<String>, Header, description = "One byte range, `bytes=first-last`"),
    ),
    security(("bearer" = []), ()),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = inline(Binary)),
        (status = 206, description = "The requested range", content_type = "application/octet-stream", body = inline(Binary)),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = "No credentials, a bad token, or an expired or altered signature", body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = "No such file", body = ErrorBody),
        (status = 416, description = "Range outside the file", body = ErrorBody),
        (status = 503, description = "The database or the file store is unavailable; retry", body = ErrorBody),
    )
)]
async fn file(id: PathId, request: Request, state: AppState) -> Response {
    answer(download(id, Variant::Original, request, &state).await)
}

/// Download an image attachment's thumbnail
#[utoipa::path(
    get, path = "/chat/files/{fileId}/thumbnail", tag = "attachments", operation_id = "downloadThumbnail",
    description = "A re-encoded copy at most 320 px on its longer side, without the original's \
                   metadata. Same access rules as the file; 404 for files that are not images.",
    params(
        ("fileId" = Uuid, Path),
        ("exp" = Option<i64>, Query, description = "Expiry of a signed URL (Unix seconds)"),
        ("sig" = Option<String>, Query, description = "Signature of a signed URL"),
        ("Range" = Option<String>, Header, description = "One byte range, `bytes=first-last`"),
    ),
    security(("bearer" = []), ()),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/png", body = inline(Binary)),
        (status = 206, description = "The requested range", content_type = "image/png", body = inline(Binary)),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = "No credentials, a bad token, or an expired or altered signature", body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = "No such file, or it has no thumbnail", body = ErrorBody),
        (status = 416, description = "Range outside the thumbnail", body = ErrorBody),
        (status = 503, description = "The database or the file store is unavailable; retry", body = ErrorBody),
    )
)]
async fn thumbnail(id: PathId, request: Request, state: AppState) -> Response {
    answer(download(id, Variant::Thumbnail, request, &state).await)
}

struct Request {
    path: FullPath,
    query: String,
    authorization: Option<String>,
    range: Option<String>,
}

/// A signature, when the URL has one, decides alone; otherwise the bearer token.
#[tracing::instrument(level = "debug", skip_all, fields(attachment_id))]
async fn download(
    id: PathId,
    variant: Variant,
    request: Request,
    state: &AppState,
) -> AppResult<Download> {
    let id = id.get()?;
    tracing::Span::current().record("attachment_id", tracing::field::display(id));
    let reader = match Signature::from_query(&request.query) {
        Some(Ok(signature))
            if state
                .files
                .signer
                .verify(request.path.as_str(), &signature, chrono::Utc::now()) =>
        {
            Reader::Signed
        }
        Some(_) => {
            return Err(AppError::Unauthorized(
                "The link has expired or is not valid".into(),
            ));
        }
        None => {
            let token = bearer(request.authorization.as_deref()).ok_or_else(|| {
                AppError::Unauthorized("Missing bearer token or signature".into())
            })?;
            let user = crate::chat::authenticate(state, token).await?;
            Reader::User {
                id: user.id,
                admin: is_admin(&user),
            }
        }
    };
    crate::files::open_download(
        &state.files,
        state.store.as_ref(),
        id,
        variant,
        reader,
        request.range.as_deref(),
    )
    .await
}

fn answer(result: AppResult<Download>) -> Response {
    match result {
        Ok(download) => stream(download),
        Err(err) => {
            let mut response = error_reply(&err);
            if let AppError::RangeNotSatisfiable(size) = err
                && let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}"))
            {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            response
        }
    }
}

/// The file as it streams from the store, with the contract's headers.
fn stream(download: Download) -> Response {
    let Download {
        content_type,
        file_name,
        inline,
        size,
        partial,
        body,
    } = download;
    let mut response = warp::reply::stream(sync_wrapper::SyncStream::new(body)).into_response();
    if partial.is_some() {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    let headers = response.headers_mut();
    let length = match &partial {
        Some(range) => {
            set(
                headers,
                header::CONTENT_RANGE,
                &format!(
                    "bytes {}-{}/{size}",
                    range.start,
                    range.end.saturating_sub(1)
                ),
            );
            range.end - range.start
        }
        None => size,
    };
    set(headers, header::CONTENT_TYPE, &content_type);
    set(headers, header::CONTENT_LENGTH, &length.to_string());
    set(headers, header::ACCEPT_RANGES, "bytes");
    set(headers, header::CACHE_CONTROL, "private");
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Even opened directly, an upload runs nothing: no scripts, no plugins, no same origin.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        ),
    );
    set(
        headers,
        header::CONTENT_DISPOSITION,
        &disposition(if inline { "inline" } else { "attachment" }, &file_name),
    );
    response
}

fn set(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// `attachment; filename="…"` with an ASCII fallback and the UTF-8 name (RFC 6266).
fn disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_quote_safely() {
        assert_eq!(
            disposition("attachment", "Rechnung \"12\".pdf"),
            "attachment; filename=\"Rechnung _12_.pdf\"; filename*=UTF-8''Rechnung%20%2212%22%2Epdf"
        );
        assert!(
            disposition("inline", "Zimmer ✓.png").starts_with("inline; filename=\"Zimmer _.png\"")
        );
    }
}
