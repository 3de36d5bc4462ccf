//! Socket.IO packets as text: parsing one (`42/chat,7[…]`) and the WebSocket URL to open.

/// Splits a Socket.IO packet (`2/chat,12["ev",…]`) into type, namespace, ack id and JSON.
pub fn parse_packet(text: &str) -> Option<(u8, &str, Option<u64>, &str)> {
    let kind = text.as_bytes().first()?.checked_sub(b'0')?;
    let mut rest = &text[1..];
    let namespace = if rest.starts_with('/') {
        let end = rest.find(',').unwrap_or(rest.len());
        let ns = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
        ns
    } else {
        "/"
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let ack = if digits > 0 {
        rest[..digits].parse().ok()
    } else {
        None
    };
    Some((kind, namespace, ack, &rest[digits..]))
}

pub(super) fn ws_url(base: &str, query: &[(String, String)]) -> String {
    let base = base.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    let mut url = format!("{base}/socket.io/?EIO=4&transport=websocket");
    for (k, v) in query {
        url.push('&');
        url.extend(form_urlencoded::byte_serialize(k.as_bytes()));
        url.push('=');
        url.extend(form_urlencoded::byte_serialize(v.as_bytes()));
    }
    url
}
