//! The Admin desk's commands: reports (load, resolve), assignment and saved replies, over
//! REST; their outcome goes back to the UI as [`Msg`]s.

use tigo_common::report_status;

use super::{Net, describe};
use crate::tui::app::{Cmd, Msg, ReportItem};

impl Net {
    pub(super) async fn desk(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::LoadReports => match self.api.reports(report_status::OPEN).await {
                Ok(entries) => self.tell(Msg::Reports(
                    entries
                        .into_iter()
                        .map(|e| ReportItem {
                            id: e.report.id,
                            room: e.report.room_id,
                            message: e.report.message_id,
                            reason: e.report.reason,
                            content: e
                                .message
                                .as_ref()
                                .map(|m| m.content.clone())
                                .unwrap_or_default(),
                            author: e
                                .message
                                .as_ref()
                                .map(|m| m.sender.display_name())
                                .unwrap_or_else(|| "(deleted)".into()),
                        })
                        .collect(),
                )),
                Err(e) => self.tell(Msg::Failed(describe(&e))),
            },
            Cmd::Resolve { report, action } => {
                match self.api.resolve_report(report, &action).await {
                    Ok(_) => self.tell(Msg::Failed(format!("report resolved ({action})"))),
                    Err(e) => self.tell(Msg::Failed(describe(&e))),
                }
            }
            Cmd::Assign { room, take } => {
                let done = if take {
                    self.api.assign(room, None).await
                } else {
                    self.api.unassign(room).await
                };
                match done {
                    Ok(r) => {
                        let word = if take {
                            "assigned to you"
                        } else {
                            "unassigned"
                        };
                        self.tell(Msg::RoomChanged(r));
                        self.tell(Msg::Failed(format!("room {word}")));
                    }
                    Err(e) => self.tell(Msg::Failed(describe(&e))),
                }
            }
            Cmd::LoadReplies { then_use } => match self.api.saved_replies().await {
                Ok(replies) => self.tell(Msg::Replies { replies, then_use }),
                Err(e) => self.tell(Msg::Failed(describe(&e))),
            },
            _ => {}
        }
    }
}
