//! `tigo-chat admin …`: runs an operation of the server library and prints the result as a
//! table, or as JSON with `--json`. Exit code 0 on success, 1 on failure (2: usage, from clap).
//! Output is printed only once a command has succeeded (see [`crate::out`]).

mod export;
mod hotels;
mod notify;
mod ops;
mod rooms;
mod safety;
mod stats;
mod users;

use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use tigo_server::admin::{Admin, AdminError};

use crate::cli::{AdminArgs, AdminCommand};
use crate::out::Out;

/// Where a command's result goes: JSON or a table, held until the command has succeeded.
pub struct Printer {
    pub json: bool,
    pub out: Out,
}

impl Printer {
    /// The value as JSON with `--json`, else what `human` writes.
    pub fn show<T: Serialize>(
        &mut self,
        value: &T,
        human: impl FnOnce(&mut Out),
    ) -> anyhow::Result<()> {
        if self.json {
            self.out.json(value)
        } else {
            human(&mut self.out);
            Ok(())
        }
    }
}

pub fn time(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Only these may create the database; every other command needs one that exists.
fn creates_database(command: &AdminCommand) -> bool {
    matches!(command, AdminCommand::Migrate | AdminCommand::CreateUser(_))
}

pub async fn run(args: AdminArgs) -> anyhow::Result<ExitCode> {
    let mut printer = Printer {
        json: args.json,
        out: Out::default(),
    };
    // These ask a running server or Redis, not the database.
    if let AdminCommand::Health { url: Some(url) } = &args.command {
        return ops::remote_health(url, printer).await;
    }
    let admin = open(&args).await?;
    if let AdminCommand::Monitor = args.command {
        return ops::monitor(&admin, printer.json).await;
    }
    let code = execute(&admin, &mut printer, args.command).await?;
    printer.out.finish()?;
    Ok(code)
}

/// Opens the database (creating it only for the commands that may) with the files and the
/// server address the commands need.
async fn open(args: &AdminArgs) -> anyhow::Result<Admin> {
    let database = args.db.database()?;
    let mut pool = args.db.pool();
    pool.create_if_missing = creates_database(&args.command);
    match Admin::connect(
        &database,
        &pool,
        args.redis_url.as_deref(),
        args.jwt_secret.clone().filter(|s| !s.is_empty()),
    )
    .await
    {
        Ok(admin) => Ok(admin
            .with_files(args.files.config()?)
            .listening_on(&args.host, args.port)),
        // Says all there is to say (where, and what to do).
        Err(err @ AdminError::NoDatabase(_)) => Err(err.into()),
        Err(err) => Err(anyhow::Error::new(err))
            .with_context(|| format!("cannot open the database {}", database.redacted())),
    }
}

/// Runs one command on the open database; its result waits in `printer`.
async fn execute(
    admin: &Admin,
    printer: &mut Printer,
    command: AdminCommand,
) -> anyhow::Result<ExitCode> {
    let code = match command {
        AdminCommand::Migrate => ops::migrate(admin, printer).await?,
        AdminCommand::Health { url: None } => ops::health(admin, printer).await?,
        AdminCommand::Health { url: Some(_) } => unreachable!("answered above"),
        AdminCommand::Stats(args) => stats::run(admin, printer, args).await?,
        AdminCommand::Audit { since, user, limit } => {
            ops::audit(admin, printer, since, user.as_deref(), limit).await?
        }
        AdminCommand::Monitor => unreachable!("answered above"),
        AdminCommand::Online { url, as_user } => {
            users::online(admin, printer, url, as_user).await?
        }
        AdminCommand::CreateUser(user) => users::create(admin, printer, user).await?,
        AdminCommand::Users { role } => users::list(admin, printer, role).await?,
        AdminCommand::SetRoles { user, roles } => {
            users::set_roles(admin, printer, &user, &roles).await?
        }
        AdminCommand::Deactivate { user, undo } => {
            users::deactivate(admin, printer, &user, undo).await?
        }
        AdminCommand::Token { email, ttl } => users::token(admin, printer, &email, ttl).await?,
        AdminCommand::ListRooms {
            room_type,
            user,
            active,
            inactive,
            limit,
        } => {
            let active = match (active, inactive) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            rooms::list(admin, printer, room_type, user, active, limit).await?
        }
        AdminCommand::Purge {
            older_than,
            room,
            dry_run,
            yes,
            batch,
        } => {
            let options = rooms::PurgeOptions {
                older_than,
                room,
                dry_run,
                yes,
                batch,
            };
            rooms::purge(admin, printer, options).await?
        }
        AdminCommand::Export {
            room,
            format,
            output,
        } => export::export(admin, room, format, output).await?,
        AdminCommand::Blocklist(command) => safety::blocklist(admin, printer, command).await?,
        AdminCommand::Reports(command) => safety::reports(admin, printer, command).await?,
        AdminCommand::Replies(command) => safety::replies(admin, printer, command).await?,
        AdminCommand::Hotels(command) => hotels::run(admin, printer, command).await?,
        AdminCommand::Notify(command) => notify::run(admin, printer, command).await?,
    };
    Ok(code)
}
