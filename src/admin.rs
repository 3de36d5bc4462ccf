//! `tigo-chat admin …`: runs an operation of the server library and prints the result as a
//! table, or as JSON with `--json`. Exit code 0 on success, 1 on failure (2: usage, from clap).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use tigo_server::admin::{Admin, RoomFilter};

use crate::cli::{AdminArgs, AdminCommand, ExportFormat};
use crate::table;

fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn time(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn roles(roles: &[tigo_common::Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn users_table(rows: &[tigo_server::admin::UserRow]) {
    table::print(
        &["ID", "EMAIL", "NAME", "ROLES", "ACTIVE", "CREATED"],
        &rows
            .iter()
            .map(|u| {
                vec![
                    u.id.to_string(),
                    u.email.clone(),
                    format!("{} {}", u.first_name, u.last_name),
                    roles(&u.roles),
                    if u.is_active { "yes" } else { "no" }.into(),
                    time(&u.created_at),
                ]
            })
            .collect::<Vec<_>>(),
    );
}

pub async fn run(args: AdminArgs) -> anyhow::Result<ExitCode> {
    let json = args.json;
    // `health --url` needs no database.
    if let AdminCommand::Health { url: Some(url) } = &args.command {
        return remote_health(url, json).await;
    }
    let database = args.db.database()?;
    let admin = Admin::connect(
        &database,
        &args.db.pool(),
        args.redis_url.as_deref(),
        args.jwt_secret.clone().filter(|s| !s.is_empty()),
    )
    .await
    .with_context(|| format!("cannot open the database {}", database.redacted()))?;
    match args.command {
        AdminCommand::Migrate => {
            let applied = admin.migrate().await?;
            if json {
                print_json(&serde_json::json!({ "applied": applied }))?;
            } else if applied.is_empty() {
                println!("database is up to date");
            } else {
                for version in &applied {
                    println!("applied migration {version}");
                }
            }
        }
        AdminCommand::Health { url: None } => {
            let report = admin.health().await;
            if json {
                print_json(&report)?;
            } else {
                println!("database: {}\nredis: {}", report.database, report.redis);
                println!(
                    "{}",
                    if report.healthy {
                        "healthy"
                    } else {
                        "unhealthy"
                    }
                );
            }
            if !report.healthy {
                return Ok(ExitCode::FAILURE);
            }
        }
        AdminCommand::Health { url: Some(_) } => unreachable!("handled above"),
        AdminCommand::ListRooms {
            room_type,
            user,
            active,
            inactive,
            limit,
        } => {
            let filter = RoomFilter {
                room_type,
                user,
                active: if active {
                    Some(true)
                } else if inactive {
                    Some(false)
                } else {
                    None
                },
                limit,
            };
            let rows = admin.list_rooms(&filter).await?;
            if json {
                print_json(&rows)?;
            } else {
                table::print(
                    &[
                        "ID",
                        "TYPE",
                        "PARTICIPANTS",
                        "MESSAGES",
                        "UNREAD",
                        "ACTIVE",
                        "LAST ACTIVITY",
                    ],
                    &rows
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
                        .collect::<Vec<_>>(),
                );
            }
        }
        AdminCommand::Purge {
            older_than,
            room,
            dry_run,
            yes,
            batch,
        } => return purge(&admin, older_than, room, dry_run, yes, batch, json).await,
        AdminCommand::CreateUser(user) => {
            admin.migrate().await?;
            let password = match user.password {
                Some(p) => p,
                None => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let created = admin
                .create_user(tigo_server::accounts::NewAccount {
                    email: user.email,
                    password,
                    first_name: user.first_name,
                    last_name: user.last_name,
                    roles: user.roles,
                })
                .await?;
            if json {
                print_json(&created)?;
            } else {
                println!(
                    "created user {} <{}> roles {}",
                    created.id,
                    created.email,
                    roles(&created.roles)
                );
            }
        }
        AdminCommand::Users { role } => {
            let rows = admin.users(role).await?;
            if json {
                print_json(&rows)?;
            } else {
                users_table(&rows);
            }
        }
        AdminCommand::SetRoles { user, roles: new } => {
            let row = admin.set_roles(&user, &new).await?;
            if json {
                print_json(&row)?;
            } else {
                println!("{} now has roles {}", row.email, roles(&row.roles));
            }
        }
        AdminCommand::Deactivate { user, undo } => {
            let row = admin.set_active(&user, undo).await?;
            if json {
                print_json(&row)?;
            } else {
                println!(
                    "{} is {}",
                    row.email,
                    if row.is_active {
                        "active"
                    } else {
                        "deactivated"
                    }
                );
            }
        }
        AdminCommand::Token { email, ttl } => {
            let token = admin.token(&email, ttl).await?;
            if json {
                print_json(
                    &serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": ttl.as_secs()}),
                )?;
            } else {
                println!("{token}");
            }
        }
        AdminCommand::Export {
            room,
            format,
            output,
        } => export(&admin, room, format, output).await?,
        AdminCommand::Online { url, as_user } => {
            let rows = match (url, as_user) {
                (Some(url), Some(who)) => {
                    let token = admin
                        .token(&who, std::time::Duration::from_secs(300))
                        .await?;
                    let api = tigo_client::Api::new(&url)?.with_token(token);
                    let ids = api.admin_online().await?;
                    let mut rows = Vec::new();
                    for id in ids {
                        // Presence may name users this database no longer has.
                        if let Ok(user) = admin.find_user(&id.to_string()).await {
                            rows.push(tigo_server::admin::UserRow::from(user));
                        }
                    }
                    rows
                }
                _ => admin.online().await?,
            };
            if json {
                print_json(&rows)?;
            } else {
                users_table(&rows);
                println!("{} online", rows.len());
            }
        }
        AdminCommand::Monitor => {
            let stop = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            if !json {
                eprintln!("listening on chat:events and notification:events; Ctrl-C to stop");
            }
            admin
                .monitor(stop, |line| {
                    if json {
                        if let Ok(text) = serde_json::to_string(&line) {
                            println!("{text}");
                        }
                    } else {
                        let room = line
                            .room_id
                            .map(|r| r.to_string())
                            .unwrap_or_else(|| "-".into());
                        println!(
                            "{} {:<22} room {room} {}",
                            line.at.format("%H:%M:%S%.3f"),
                            line.event,
                            summarize(&line.data)
                        );
                    }
                    let _ = std::io::stdout().flush();
                })
                .await?;
        }
        AdminCommand::Audit { since, user, limit } => {
            let lines = admin.audit(since, user.as_deref(), limit).await?;
            if json {
                print_json(&lines)?;
            } else {
                table::print(
                    &["WHEN", "ACTION", "BY", "ROOM", "MESSAGE", "USER", "DETAIL"],
                    &lines
                        .iter()
                        .map(|l| {
                            let short = |id: Option<uuid::Uuid>| {
                                id.map(|i| i.to_string()).unwrap_or_else(|| "-".into())
                            };
                            vec![
                                time(&l.at),
                                l.action.clone(),
                                l.actor_email.clone().unwrap_or_else(|| {
                                    if l.actor_id.is_some() {
                                        "(removed)".into()
                                    } else {
                                        "operator".into()
                                    }
                                }),
                                short(l.room_id),
                                short(l.message_id),
                                short(l.target_user_id),
                                l.detail.to_string(),
                            ]
                        })
                        .collect::<Vec<_>>(),
                );
            }
        }
        AdminCommand::Stats => {
            let stats = admin.stats().await?;
            if json {
                print_json(&stats)?;
            } else {
                let c = &stats.counts;
                table::print(
                    &[
                        "USERS",
                        "ROOMS",
                        "MESSAGES",
                        "LAST HOUR",
                        "LAST DAY",
                        "ONLINE",
                    ],
                    &[vec![
                        c.users.to_string(),
                        c.rooms.to_string(),
                        c.messages.to_string(),
                        c.messages_last_hour.to_string(),
                        c.messages_last_day.to_string(),
                        stats
                            .online_users
                            .map(|n| n.to_string())
                            .unwrap_or_else(|| "n/a (no REDIS_URL)".into()),
                    ]],
                );
            }
        }
    }
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

async fn remote_health(url: &str, json: bool) -> anyhow::Result<ExitCode> {
    let api = tigo_client::Api::new(url)?;
    let health = match api.health().await {
        Ok(h) => h,
        Err(err) => {
            if json {
                print_json(
                    &serde_json::json!({"status": "unreachable", "error": err.to_string()}),
                )?;
            } else {
                println!("unreachable: {err}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    if json {
        print_json(&health)?;
    } else {
        println!(
            "{} (database {}, bus {}) at {}",
            health.status,
            health.checks.database,
            health.checks.bus,
            tigo_common::time::format(&health.timestamp)
        );
    }
    Ok(if health.status == "unhealthy" {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

async fn purge(
    admin: &Admin,
    older_than: std::time::Duration,
    room: Option<uuid::Uuid>,
    dry_run: bool,
    yes: bool,
    batch: i64,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let age = chrono::Duration::from_std(older_than).context("--older-than is too large")?;
    let before = chrono::Utc::now() - age;
    let count = admin.purge_count(before, room).await?;
    if dry_run {
        if json {
            print_json(
                &serde_json::json!({"dry_run": true, "would_delete": count, "before": before}),
            )?;
        } else {
            println!(
                "would delete {count} messages created before {} (dry run: nothing changed)",
                time(&before)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if count == 0 {
        if json {
            print_json(&serde_json::json!({"deleted": 0, "before": before}))?;
        } else {
            println!("nothing to delete");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "error: refusing to delete {count} messages without confirmation; pass --yes"
            );
            return Ok(ExitCode::FAILURE);
        }
        eprint!(
            "Delete {count} messages created before {}? [y/N] ",
            time(&before)
        );
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("aborted");
            return Ok(ExitCode::FAILURE);
        }
    }
    let bar = if json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(count as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} messages ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let deleted = admin
        .purge(before, room, batch, |done| bar.set_position(done))
        .await?;
    bar.finish_and_clear();
    if json {
        print_json(&serde_json::json!({"deleted": deleted, "before": before}))?;
    } else {
        println!(
            "deleted {deleted} messages created before {}",
            time(&before)
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn export(
    admin: &Admin,
    room: uuid::Uuid,
    format: ExportFormat,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let sink: Box<dyn Write> = match &output {
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::new(sink);
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
            ])?;
            let count = admin
                .export(room, |m| {
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
    if let Some(path) = output {
        eprintln!("exported {count} messages to {}", path.display());
    }
    Ok(())
}
