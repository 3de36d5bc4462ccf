//! `admin export`: a room's whole history as JSON (exact) or CSV (safe to open in a
//! spreadsheet), written aside and put in place only once complete.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use tigo_common::Message;
use tigo_server::admin::Admin;

use crate::cli::ExportFormat;
use crate::out::AsideFile;

const CSV_HEADER: [&str; 15] = [
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
];

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
        ExportFormat::Json => json(admin, room, &mut out, &mut attachments).await?,
        ExportFormat::Csv => csv(admin, room, &mut out, &mut attachments).await?,
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

async fn json(
    admin: &Admin,
    room: uuid::Uuid,
    out: &mut impl Write,
    attachments: &mut u64,
) -> anyhow::Result<u64> {
    out.write_all(b"[")?;
    let mut first = true;
    let count = admin
        .export(room, |m| {
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            *attachments += u64::from(attachment(m).is_some());
            out.write_all(b"\n  ")?;
            serde_json::to_writer(&mut *out, m).map_err(std::io::Error::other)
        })
        .await?;
    out.write_all(b"\n]\n")?;
    Ok(count)
}

async fn csv(
    admin: &Admin,
    room: uuid::Uuid,
    out: &mut impl Write,
    attachments: &mut u64,
) -> anyhow::Result<u64> {
    let mut header = csv::Writer::from_writer(&mut *out);
    header.write_record(CSV_HEADER)?;
    header.flush()?;
    drop(header);
    // Every cell quoted: with the quote prefix of `inert_in_spreadsheets`, what OWASP's
    // CSV-injection guidance asks.
    let mut csv = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(&mut *out);
    let count = admin
        .export(room, |m| {
            *attachments += u64::from(attachment(m).is_some());
            csv.write_record(csv_record(m).map(inert_in_spreadsheets))
                .map_err(std::io::Error::other)
        })
        .await?;
    csv.flush()?;
    Ok(count)
}

fn csv_record(m: &Message) -> [String; 15] {
    let found = attachment(m);
    let field = |name: &str| {
        found
            .and_then(|a| a.get(name))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    [
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
    ]
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return
/// first) gets a leading `'`, which spreadsheets read as "this is text", per OWASP's
/// CSV-injection guidance. The JSON export keeps the text exact.
fn inert_in_spreadsheets(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// A message's attachment (`metadata.attachment`), which the server alone writes.
fn attachment(m: &Message) -> Option<&serde_json::Map<String, serde_json::Value>> {
    m.metadata.as_ref()?.get("attachment")?.as_object()
}
