//! What a Socket.IO connection keeps of its request head for its whole life.

use http::{HeaderValue, Request};

/// The request headers a Socket.IO connection still needs once it is open: the token
/// (`authorization`), what engineioxide reads (`sec-websocket-key`, a polling body's
/// `content-type`) and what identifies the upgrade. Nothing else reads them.
const KEPT_HEADERS: [http::header::HeaderName; 7] = [
    http::header::AUTHORIZATION,
    http::header::CONTENT_TYPE,
    http::header::SEC_WEBSOCKET_KEY,
    http::header::SEC_WEBSOCKET_VERSION,
    http::header::UPGRADE,
    http::header::CONNECTION,
    http::header::HOST,
];

/// Socket.IO keeps each connection's request head for the connection's life. Hyper's header
/// values and URI are views into the buffer the request was read into (16 KiB), so keeping them
/// would keep that buffer per connection; owned copies let it go. (Measured with heaptrack: the
/// largest part of an idle connection's memory before this.) Only [`KEPT_HEADERS`] are copied: a
/// browser's cookies, user agent and `accept-*` headers would otherwise be kept per connection.
pub(super) fn detach_head<B>(req: Request<B>) -> Request<B> {
    let (mut parts, body) = req.into_parts();
    let kept = KEPT_HEADERS
        .iter()
        .map(|name| parts.headers.get_all(name).iter().count())
        .sum();
    let mut headers = http::HeaderMap::with_capacity(kept);
    for name in &KEPT_HEADERS {
        for value in parts.headers.get_all(name) {
            if let Ok(mut owned) = HeaderValue::from_bytes(value.as_bytes()) {
                owned.set_sensitive(value.is_sensitive());
                headers.append(name.clone(), owned);
            }
        }
    }
    parts.headers = headers;
    if let Ok(uri) = http::Uri::try_from(parts.uri.to_string()) {
        parts.uri = uri;
    }
    Request::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_io_head_keeps_only_what_is_read_later() {
        let req = Request::builder()
            .uri("/socket.io/?EIO=4&transport=websocket&token=t")
            .header("host", "chat.example")
            .header("authorization", "Bearer secret")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .header("cookie", "session=".to_string() + &"x".repeat(2000))
            .header("user-agent", "Mozilla/5.0")
            .header("accept-language", "en-GB,en;q=0.9")
            .body(())
            .expect("a valid request");
        let kept = detach_head(req);
        let names: Vec<&str> = kept.headers().keys().map(|n| n.as_str()).collect();
        assert_eq!(names, ["authorization", "sec-websocket-key", "host"]);
        assert_eq!(kept.headers()["authorization"], "Bearer secret");
        assert_eq!(
            kept.uri().query(),
            Some("EIO=4&transport=websocket&token=t")
        );
    }
}
