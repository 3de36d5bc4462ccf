//! `admin notify test`: what a test e-mail and test pushes to one user did, as lines or JSON.

use std::process::ExitCode;

use super::Printer;
use crate::cli::NotifyCommand;

pub async fn run(
    admin: &tigo_server::admin::Admin,
    p: &mut Printer,
    command: NotifyCommand,
) -> anyhow::Result<ExitCode> {
    let NotifyCommand::Test { email, notify } = command;
    let report = admin.notify_test(&email, notify.config()?).await?;
    p.show(&report, |out| {
        out.line(format!(
            "e-mail to {}: {}",
            report.email.to, report.email.outcome
        ));
        if report.pushes.is_empty() {
            out.line("push: the user has no push subscriptions");
        }
        for push in &report.pushes {
            out.line(
                format!("push to subscription {}: {:?}", push.id, push.outcome).to_lowercase(),
            );
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
