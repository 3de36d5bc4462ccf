//! Opening the WebSocket a connection runs on: its URL, headers, buffers and (for load tests)
//! the local address it connects from.

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{SioError, SocketOptions};

pub(super) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn transport(e: impl std::fmt::Display) -> SioError {
    SioError::Transport(e.to_string())
}

/// Opens the Engine.IO WebSocket at `base` with the options' query, headers and local address.
pub(super) async fn open(base: &str, options: &SocketOptions) -> Result<Ws, SioError> {
    let request = request(base, options)?;
    let config = WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .write_buffer_size(0);
    let Some(local) = options.bind else {
        let opened = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
        return match opened.await {
            Ok((ws, _)) => Ok(ws),
            Err(tokio_tungstenite::tungstenite::Error::Io(io))
                if io.kind() == std::io::ErrorKind::ConnectionRefused =>
            {
                Err(SioError::Unreachable(base.to_string()))
            }
            Err(e) => Err(transport(e)),
        };
    };
    let stream = connect_from(&request, local).await?;
    let stream = MaybeTlsStream::Plain(stream);
    let (ws, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(config))
        .await
        .map_err(transport)?;
    Ok(ws)
}

fn request(base: &str, options: &SocketOptions) -> Result<Request, SioError> {
    let mut request = ws_url(base, &options.query)
        .into_client_request()
        .map_err(transport)?;
    for (name, value) in &options.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(transport)?;
        let value = HeaderValue::from_str(value).map_err(transport)?;
        request.headers_mut().insert(name, value);
    }
    Ok(request)
}

/// A TCP connection to the request's host from the local address `local`.
async fn connect_from(request: &Request, local: std::net::IpAddr) -> Result<TcpStream, SioError> {
    let host = request.uri().host().unwrap_or("127.0.0.1").to_string();
    let port = request.uri().port_u16().unwrap_or(80);
    let remote = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(transport)?
        .next()
        .ok_or_else(|| SioError::Transport(format!("cannot resolve {host}")))?;
    let socket = if remote.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .map_err(transport)?;
    socket
        .bind(std::net::SocketAddr::new(local, 0))
        .map_err(|e| SioError::Transport(format!("binding {local}: {e}")))?;
    let stream = socket.connect(remote).await.map_err(transport)?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

fn ws_url(base: &str, query: &[(String, String)]) -> String {
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
    fn http_urls_become_socket_io_websocket_urls() {
        assert_eq!(
            ws_url("http://127.0.0.1:3000/", &[("token".into(), "a b".into())]),
            "ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket&token=a+b"
        );
    }
}
