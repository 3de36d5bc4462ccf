//! Room commands: list-rooms, purge (export is in `export.rs`).

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;
use tigo_server::admin::{Admin, RoomFilter};

use super::{Printer, time};
use crate::table;

pub async fn list(
    admin: &Admin,
    p: &mut Printer,
    room_type: Option<tigo_common::RoomType>,
    user: Option<String>,
    active: Option<bool>,
    limit: i64,
) -> anyhow::Result<ExitCode> {
    let filter = RoomFilter {
        room_type,
        user,
        active,
        limit,
    };
    let rows = admin.list_rooms(&filter).await?;
    p.show(&rows, |out| {
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.id.to_string(),
                    r.room_type.to_string(),
                    format!("{} / {}", r.participant1, r.participant2),
                    r.messages.to_string(),
                    format!("{}/{}", r.unread[0], r.unread[1]),
                    if r.is_active { "yes" } else { "no" }.into(),
                    time(&r.last_activity),
                ]
            })
            .collect();
        out.text(table::render(
            &[
                "ID",
                "TYPE",
                "PARTICIPANTS",
                "MESSAGES",
                "UNREAD",
                "ACTIVE",
                "LAST ACTIVITY",
            ],
            &cells,
        ));
    })?;
    Ok(ExitCode::SUCCESS)
}

pub struct PurgeOptions {
    pub older_than: std::time::Duration,
    pub room: Option<uuid::Uuid>,
    pub dry_run: bool,
    pub yes: bool,
    pub batch: i64,
}

pub async fn purge(admin: &Admin, p: &mut Printer, o: PurgeOptions) -> anyhow::Result<ExitCode> {
    let age = chrono::Duration::from_std(o.older_than).context("--older-than is too large")?;
    let before = chrono::Utc::now() - age;
    let count = admin.purge_count(before, o.room).await?;
    if o.dry_run {
        let report = serde_json::json!({"dry_run": true, "would_delete": count, "before": before});
        p.show(&report, |out| {
            out.line(format!(
                "would delete {count} messages created before {} (dry run: nothing changed)",
                time(&before)
            ));
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if count == 0 {
        // Messages deleted one by one may still have left files behind.
        let files = admin.purge_files().await?;
        let report = serde_json::json!({"deleted": 0, "files_removed": files, "before": before});
        p.show(&report, |out| {
            out.line(format!(
                "no messages to delete; removed {files} files no message holds"
            ))
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if !o.yes && !confirmed(count, &before)? {
        return Ok(ExitCode::FAILURE);
    }
    let bar = if p.json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(count as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} messages ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let outcome = admin
        .purge(before, o.room, o.batch, |done| bar.set_position(done))
        .await?;
    bar.finish_and_clear();
    let (deleted, files) = (outcome.messages, outcome.files);
    let report = serde_json::json!({"deleted": deleted, "files_removed": files, "before": before});
    p.show(&report, |out| {
        out.line(format!(
            "deleted {deleted} messages created before {} and {files} files no message holds",
            time(&before)
        ));
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal; without one, refuses (scripts pass `--yes`).
fn confirmed(count: i64, before: &chrono::DateTime<chrono::Utc>) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        eprintln!("error: refusing to delete {count} messages without confirmation; pass --yes");
        return Ok(false);
    }
    eprint!(
        "Delete {count} messages created before {}? [y/N] ",
        time(before)
    );
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let yes = matches!(answer.trim(), "y" | "Y" | "yes");
    if !yes {
        eprintln!("aborted");
    }
    Ok(yes)
}
