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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_split_into_type_namespace_ack_and_json() {
        assert_eq!(
            parse_packet("2/chat,[\"a\",1]"),
            Some((2, "/chat", None, "[\"a\",1]"))
        );
        assert_eq!(
            parse_packet("3/chat,12[{}]"),
            Some((3, "/chat", Some(12), "[{}]"))
        );
        assert_eq!(
            parse_packet("0{\"sid\":\"x\"}"),
            Some((0, "/", None, "{\"sid\":\"x\"}"))
        );
        assert_eq!(parse_packet("1/chat,"), Some((1, "/chat", None, "")));
    }

    #[test]
    fn http_urls_become_socket_io_websocket_urls() {
        assert_eq!(
            ws_url("http://127.0.0.1:3000/", &[("token".into(), "a b".into())]),
            "ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket&token=a+b"
        );
    }
}
