//! Room commands: list-rooms, purge, export.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use tigo_server::admin::{Admin, RoomFilter};

use super::{Printer, time};
use crate::cli::ExportFormat;
use crate::out::AsideFile;
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

/// The whole history, written aside first: to `output` once complete, or to standard output
/// once complete (a failure part-way leaves no file and prints nothing).
pub async fn export(
    admin: &Admin,
    room: uuid::Uuid,
    format: ExportFormat,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    let mut file = match &output {
        Some(path) => {
            AsideFile::create(path).with_context(|| format!("creating {}", path.display()))?
        }
        None => AsideFile::spool().context("creating a spool file in the temporary directory")?,
    };
    let mut out = std::io::BufWriter::new(file.writer());
    let mut attachments = 0u64;
    let count = match format {
        ExportFormat::Json => {
            out.write_all(b"[")?;
            let mut first = true;
            let count = admin
                .export(room, |m| {
                    if !first {
                        out.write_all(b",")?;
                    }
                    first = false;
                    attachments += u64::from(attachment(m).is_some());
                    out.write_all(b"\n  ")?;
                    serde_json::to_writer(&mut out, m).map_err(std::io::Error::other)
                })
                .await?;
            out.write_all(b"\n]\n")?;
            count
        }
        ExportFormat::Csv => {
            let mut csv = csv::Writer::from_writer(&mut out);
            csv.write_record([
                "id",
                "created_at",
                "sender_id",
                "sender_email",
                "type",
                "status",
                "content",
                "file_url",
                "file_name",
                "file_size",
                "is_edited",
                "edited_at",
                "attachment_id",
                "attachment_type",
                "thumbnail_url",
            ])?;
            let count = admin
                .export(room, |m| {
                    let found = attachment(m);
                    attachments += u64::from(found.is_some());
                    let field = |name: &str| {
                        found
                            .and_then(|a| a.get(name))
                            .and_then(|v| v.as_str())
                            .unwrap_or_default()
                            .to_string()
                    };
                    csv.write_record([
                        m.id.to_string(),
                        tigo_common::time::format(&m.created_at),
                        m.sender_id.to_string(),
                        m.sender.email.clone(),
                        m.message_type.as_str().to_string(),
                        m.status.as_str().to_string(),
                        m.content.clone(),
                        m.file_url.clone().unwrap_or_default(),
                        m.file_name.clone().unwrap_or_default(),
                        m.file_size.map(|s| s.to_string()).unwrap_or_default(),
                        m.is_edited.to_string(),
                        m.edited_at
                            .map(|t| tigo_common::time::format(&t))
                            .unwrap_or_default(),
                        field("id"),
                        field("content_type"),
                        field("thumbnail_url"),
                    ])
                    .map_err(std::io::Error::other)
                })
                .await?;
            csv.flush()?;
            count
        }
    };
    out.flush()?;
    drop(out);
    match output {
        Some(path) => {
            file.commit()
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "exported {count} messages ({attachments} with attachments) to {}",
                path.display()
            );
        }
        None => file.copy_to_stdout()?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A message's attachment (`metadata.attachment`), which the server alone writes.
fn attachment(m: &tigo_common::Message) -> Option<&serde_json::Map<String, serde_json::Value>> {
    m.metadata.as_ref()?.get("attachment")?.as_object()
}
