//! `tigo-chat bench connections`: opens idle connections up to a count, prints what they cost
//! the server, and holds them open for a while or until Ctrl-C.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use tigo_client::bench::{self, BenchRoom, ConnectionsReport};

use crate::table;

/// The mode's settings, from the command line.
pub struct Mode {
    pub count: usize,
    pub sources: Vec<IpAddr>,
    pub hold: Option<Duration>,
    pub server_pid: Option<u32>,
    pub headers: Vec<(String, String)>,
}

/// Connects as the rooms' users in turn, reports, holds, closes. Fails when one did not connect.
pub async fn run(
    url: &str,
    json: bool,
    rooms: &[BenchRoom],
    mode: &Mode,
) -> anyhow::Result<ExitCode> {
    let tokens: Vec<String> = rooms
        .iter()
        .flat_map(|r| [r.sender_token.clone(), r.receiver_token.clone()])
        .collect();
    let (report, held) = bench::connections(
        url,
        &tokens,
        mode.count,
        &mode.sources,
        &mode.headers,
        mode.server_pid,
        |n| {
            if !json {
                eprintln!("  {n} connected");
            }
        },
    )
    .await
    .map_err(anyhow::Error::msg)?;
    if json {
        crate::out::now_exact(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    } else {
        print_table(&report);
        eprintln!(
            "holding {} connections {}",
            held.len(),
            match mode.hold {
                Some(d) => format!("for {d:?}"),
                None => "until Ctrl-C".into(),
            }
        );
    }
    match mode.hold {
        Some(d) => tokio::time::sleep(d).await,
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    held.close();
    Ok(if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_table(report: &ConnectionsReport) {
    crate::out::now(&table::render(
        &[
            "REQUESTED",
            "CONNECTED",
            "FAILED",
            "SECONDS",
            "SERVER RSS BEFORE",
            "AFTER",
            "PER CONNECTION",
        ],
        &[vec![
            report.requested.to_string(),
            report.connected.to_string(),
            report.failed.to_string(),
            format!("{:.1}", report.connect_s),
            report
                .server_rss_before_kib
                .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "-".into()),
            report
                .server_rss_after_kib
                .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "-".into()),
            report
                .server_rss_per_connection_bytes
                .map(|b| format!("{:.0} B", b))
                .unwrap_or_else(|| "-".into()),
        ]],
    ));
}

/// `127.0.0.2-127.0.0.20` or `127.0.0.2,127.0.0.3`.
pub fn parse_sources(text: Option<&str>) -> anyhow::Result<Vec<IpAddr>> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (std::net::Ipv4Addr, std::net::Ipv4Addr) = (
                    a.parse().with_context(|| format!("bad address {a}"))?,
                    b.parse().with_context(|| format!("bad address {b}"))?,
                );
                let (a, b) = (u32::from(a), u32::from(b));
                if b < a || b - a > 65_535 {
                    bail!("bad address range {part}");
                }
                out.extend((a..=b).map(|n| IpAddr::V4(n.into())));
            }
            None => out.push(
                part.parse()
                    .with_context(|| format!("bad address {part}"))?,
            ),
        }
    }
    Ok(out)
}
