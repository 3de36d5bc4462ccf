//! Idle authenticated connections, held open to measure the server's memory per connection.

use super::*;

/// What the idle-connections run measured.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ConnectionsReport {
    pub mode: String,
    pub requested: usize,
    pub connected: usize,
    pub failed: usize,
    pub connect_s: f64,
    /// Server resident memory before and after (with `--server-pid`), in KiB.
    pub server_rss_before_kib: Option<u64>,
    pub server_rss_after_kib: Option<u64>,
    pub server_rss_per_connection_bytes: Option<f64>,
}

/// Resident memory of a process, from /proc (KiB).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Connections held open by [`connections`]; closed when dropped or by [`Held::close`].
pub struct Held {
    sockets: Vec<(Socket, crate::sio::Events)>,
}

impl Held {
    pub fn len(&self) -> usize {
        self.sockets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sockets.is_empty()
    }

    pub fn close(self) {
        for (socket, _) in &self.sockets {
            socket.close();
        }
    }
}

/// Opens `count` idle authenticated connections (tokens and source addresses used
/// round-robin, `headers` added to every upgrade request) and reports; the caller holds them
/// as long as it likes.
pub async fn connections(
    url: &str,
    tokens: &[String],
    count: usize,
    sources: &[IpAddr],
    headers: &[(String, String)],
    server_pid: Option<u32>,
    mut progress: impl FnMut(usize),
) -> Result<(ConnectionsReport, Held), String> {
    use futures_util::StreamExt;
    if tokens.is_empty() {
        return Err("no users to connect as".into());
    }
    let before = server_pid.and_then(rss_kib);
    let started = Instant::now();
    let mut sockets = Vec::with_capacity(count);
    let mut failed = 0;
    let mut pending = futures_util::stream::FuturesUnordered::new();
    let mut next = 0;
    while sockets.len() + failed < count {
        while pending.len() < 64 && next < count {
            let token = tokens[next % tokens.len()].clone();
            let bind = (!sources.is_empty()).then(|| sources[next % sources.len()]);
            let url = url.to_string();
            pending.push(async move { connect(&url, &token, bind, headers).await });
            next += 1;
        }
        match pending.next().await {
            Some(Ok(conn)) => {
                sockets.push(conn);
                if sockets.len() % 1000 == 0 {
                    progress(sockets.len());
                }
            }
            Some(Err(_)) => failed += 1,
            None => break,
        }
    }
    let connect_s = started.elapsed().as_secs_f64();
    // Let the server settle before reading its memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = server_pid.and_then(rss_kib);
    let report = ConnectionsReport {
        mode: "connections".into(),
        requested: count,
        connected: sockets.len(),
        failed,
        connect_s,
        server_rss_before_kib: before,
        server_rss_after_kib: after,
        server_rss_per_connection_bytes: match (before, after) {
            (Some(b), Some(a)) if !sockets.is_empty() => {
                Some((a.saturating_sub(b) * 1024) as f64 / sockets.len() as f64)
            }
            _ => None,
        },
    };
    Ok((report, Held { sockets }))
}
