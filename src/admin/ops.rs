//! Operations commands: migrate, health, stats, audit, monitor.

use std::process::ExitCode;

use tigo_server::admin::Admin;

use super::{Printer, time};
use crate::out;
use crate::table;

pub async fn migrate(admin: &Admin, p: &mut Printer) -> anyhow::Result<ExitCode> {
    let applied = admin.migrate().await?;
    p.show(&serde_json::json!({ "applied": applied }), |out| {
        if applied.is_empty() {
            out.line("database is up to date");
        }
        for version in &applied {
            out.line(format!("applied migration {version}"));
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The database and Redis checked directly; the same words as `GET /chat/health`.
pub async fn health(admin: &Admin, p: &mut Printer) -> anyhow::Result<ExitCode> {
    let report = admin.health().await;
    p.show(&report, |out| {
        out.line(format!(
            "{} (database {}, redis {})",
            report.status, report.database, report.redis
        ));
    })?;
    Ok(exit_for(&report.status))
}

/// Exit 1 only when unhealthy: a degraded service (Redis down) still serves.
fn exit_for(status: &str) -> ExitCode {
    if status == "unhealthy" {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A running server's own `/chat/health`.
pub async fn remote_health(url: &str, mut p: Printer) -> anyhow::Result<ExitCode> {
    let api = tigo_client::Api::new(url)?;
    let code = match api.health().await {
        Ok(health) => {
            p.show(&health, |out| {
                out.line(format!(
                    "{} (database {}, bus {}) at {}",
                    health.status,
                    health.checks.database,
                    health.checks.bus,
                    tigo_common::time::format(&health.timestamp)
                ));
            })?;
            exit_for(&health.status)
        }
        Err(err) => {
            let report = serde_json::json!({"status": "unreachable", "error": err.to_string()});
            p.show(&report, |out| out.line(format!("unreachable: {err}")))?;
            ExitCode::FAILURE
        }
    };
    p.out.finish()?;
    Ok(code)
}

pub async fn audit(
    admin: &Admin,
    p: &mut Printer,
    since: Option<chrono::DateTime<chrono::Utc>>,
    user: Option<&str>,
    limit: i64,
) -> anyhow::Result<ExitCode> {
    let lines = admin.audit(since, user, limit).await?;
    let short = |id: Option<uuid::Uuid>| id.map(|i| i.to_string()).unwrap_or_else(|| "-".into());
    p.show(&lines, |out| {
        let rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| {
                let by = l.actor_email.clone().unwrap_or_else(|| {
                    if l.actor_id.is_some() {
                        "(removed)".into()
                    } else {
                        "operator".into()
                    }
                });
                vec![
                    time(&l.at),
                    l.action.clone(),
                    by,
                    short(l.room_id),
                    short(l.message_id),
                    short(l.target_user_id),
                    l.detail.to_string(),
                ]
            })
            .collect();
        out.text(table::render(
            &["WHEN", "ACTION", "BY", "ROOM", "MESSAGE", "USER", "DETAIL"],
            &rows,
        ));
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Streams events until Ctrl-C; says it is listening only once it is.
pub async fn monitor(admin: &Admin, json: bool) -> anyhow::Result<ExitCode> {
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let ready = || {
        if !json {
            eprintln!("listening on chat:events and notification:events; Ctrl-C to stop");
        }
    };
    admin
        .monitor(stop, ready, |line| {
            if json {
                if let Ok(text) = serde_json::to_string(&line) {
                    out::now_exact(&format!("{text}\n"));
                }
            } else {
                let room = line
                    .room_id
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "-".into());
                out::now(&format!(
                    "{} {:<22} room {room} {}\n",
                    line.at.format("%H:%M:%S%.3f"),
                    line.event,
                    summarize(&line.data)
                ));
            }
            true
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// One short line about an event's payload (never the message content: that stays out of
/// operator terminals and logs).
fn summarize(data: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    for key in [
        "id",
        "messageId",
        "userId",
        "sender_id",
        "user_id",
        "isTyping",
        "status",
    ] {
        if let Some(v) = data.get(key) {
            parts.push(format!(
                "{key}={}",
                v.as_str()
                    .map(String::from)
                    .unwrap_or_else(|| v.to_string())
            ));
        }
    }
    parts.join(" ")
}
