//! Safety and support-desk commands: blocklist, reports, replies.

use std::process::ExitCode;

use tigo_server::admin::Admin;

use super::{Printer, time};
use crate::cli::{BlocklistCommand, RepliesCommand, ReportsCommand};
use crate::table;

pub async fn blocklist(
    admin: &Admin,
    p: &mut Printer,
    command: BlocklistCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        BlocklistCommand::Add { term } => {
            let (term, added) = admin.block_term(&term).await?;
            let value = serde_json::json!({ "term": term, "added": added });
            p.show(&value, |out| {
                out.text(if added {
                    format!("blocked {term:?}\n")
                } else {
                    format!("{term:?} was blocked already\n")
                })
            })?;
        }
        BlocklistCommand::Remove { term } => {
            let term = admin.unblock_term(&term).await?;
            let value = serde_json::json!({ "term": term, "removed": true });
            p.show(&value, |out| out.text(format!("unblocked {term:?}\n")))?;
        }
        BlocklistCommand::List => {
            let terms = admin.blocked_terms().await?;
            p.show(&terms, |out| {
                let cells: Vec<Vec<String>> = terms.iter().map(|t| vec![t.clone()]).collect();
                out.text(table::render(&["TERM"], &cells));
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn reports(
    admin: &Admin,
    p: &mut Printer,
    command: ReportsCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        ReportsCommand::List { status, limit } => {
            let status = (status != "all").then_some(status);
            let reports = admin.reports(status.as_deref(), limit).await?;
            p.show(&reports, |out| {
                let cells: Vec<Vec<String>> = reports
                    .iter()
                    .map(|e| {
                        let r = &e.report;
                        vec![
                            r.id.to_string(),
                            r.status.clone(),
                            time(&r.created_at),
                            r.reason.clone(),
                            e.message
                                .as_ref()
                                .map_or_else(|| "(deleted)".into(), |m| m.content.clone()),
                        ]
                    })
                    .collect();
                out.text(table::render(
                    &["ID", "STATUS", "REPORTED", "REASON", "MESSAGE"],
                    &cells,
                ));
            })?;
        }
        ReportsCommand::Resolve {
            id,
            action,
            as_user,
        } => {
            let report = admin.resolve_report(id, &action, &as_user).await?;
            p.show(&report, |out| {
                out.text(format!("resolved {} ({action})\n", report.id))
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn replies(
    admin: &Admin,
    p: &mut Printer,
    command: RepliesCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        RepliesCommand::Add { name, text } => {
            let reply = admin.add_saved_reply(&name, &text).await?;
            p.show(&reply, |out| out.text(format!("saved {:?}\n", reply.name)))?;
        }
        RepliesCommand::List => {
            let replies = admin.saved_replies().await?;
            p.show(&replies, |out| {
                let cells: Vec<Vec<String>> = replies
                    .iter()
                    .map(|r| vec![r.name.clone(), r.text.clone(), r.id.to_string()])
                    .collect();
                out.text(table::render(&["NAME", "TEXT", "ID"], &cells));
            })?;
        }
        RepliesCommand::Remove { name } => {
            let reply = admin.remove_saved_reply(&name).await?;
            p.show(&reply, |out| {
                out.text(format!("removed {:?}\n", reply.name))
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
