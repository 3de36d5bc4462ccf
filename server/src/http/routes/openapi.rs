//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the wire types' schemas and
//! the handlers' `#[utoipa::path]` attributes, once per process, and the response wording the
//! resources share. It sits under the route table because it is made from it.

use std::sync::LazyLock;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

// Response descriptions shared by the operations, so every route words them alike.
pub const INVALID: &str = "Validation failed; `message` lists every problem";
pub const UNAUTHENTICATED: &str =
    "Missing, invalid, expired or forged token, or the user no longer exists";
pub const FORBIDDEN: &str = "Not allowed for this user";
pub const NOT_FOUND: &str = "Not found";
pub const CONFLICT: &str = "Conflicts with what is stored (a taken name, a closed report)";
pub const TOO_LARGE: &str = "Body larger than 64 KB";
pub const RATE_LIMITED: &str = "Rate limited; see Retry-After";
pub const UNAVAILABLE: &str = "A dependency (the database) is unavailable; retry";

// Raw bytes (an upload's body, a download): `type: string, format: binary`, what generated
// clients read as a file or a blob (a bare `Vec<u8>` would be documented as an array of
// integers). A plain comment: a doc comment would become the schema's description.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(
    dead_code,
    reason = "it describes raw bytes to the document and is never built"
)]
pub struct Binary(Vec<u8>);

/// The document's frame; each resource module adds its operations and their schemas.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "tigo-chat",
        description = "REST API of tigo-chat. Real-time events: Socket.IO namespace /chat on the \
                       same port (see README). Every error has the NestJS shape \
                       {statusCode, message, error}."
    ),
    servers((url = "/")),
    tags((name = "auth"), (name = "rooms"), (name = "messages"), (name = "attachments"), (name = "moderation"), (name = "support"), (name = "notifications"), (name = "service")),
    modifiers(&BearerScheme)
)]
struct Frame;

/// The `bearer` scheme the operations' `security(("bearer" = []))` name.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .build();
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Frame::openapi();
    for part in super::documents() {
        doc.merge(part);
    }
    doc
}

/// The document as served.
static JSON: LazyLock<String> = LazyLock::new(|| {
    document().to_json().unwrap_or_else(|err| {
        tracing::error!(%err, "cannot serialize the OpenAPI document");
        "{}".into()
    })
});

/// `GET /openapi.json`.
pub fn serve() -> Response {
    let mut response = Response::new(JSON.as_str().into());
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
