//! `tigo-chat bench`: sets up users and rooms (from a users file, or directly in the server's
//! database when given its settings) and runs a load mode of the client library.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use tigo_client::bench::{self, BenchRoom, Report};
use tigo_common::{CreateRoom, Role, RoomType};

use crate::cli::{BenchArgs, BenchMode};

mod connections;
mod fixture;
mod search;
use crate::table;
use fixture::provision;

pub async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let members = match &args.mode {
        BenchMode::ClosedLoop { members, .. } => usize::try_from(*members)?,
        _ => 2,
    };
    let rooms_wanted = match &args.mode {
        BenchMode::ClosedLoop { rooms, .. }
        | BenchMode::OpenLoop { rooms, .. }
        | BenchMode::Rooms { rooms } => *rooms,
        BenchMode::Connections { users, .. } => users.div_ceil(2),
        BenchMode::Search {
            fill,
            rooms,
            repeat,
        } => return search::run(&args, *fill, *rooms, *repeat).await,
    };
    let rooms = match &args.users_file {
        Some(file) => rooms_from_file(&args.url, file, rooms_wanted).await?,
        None => provision(&args, rooms_wanted, members).await?,
    };
    if !args.json {
        eprintln!("bench: {} rooms ready on {}", rooms.len(), args.url);
    }
    match args.mode {
        BenchMode::ClosedLoop {
            senders, messages, ..
        } => {
            let report = bench::closed_loop(&args.url, &rooms, senders, messages, args.timeout)
                .await
                .map_err(anyhow::Error::msg)?;
            finish(&report, args.json)
        }
        BenchMode::OpenLoop {
            users,
            rate,
            duration,
            size,
            ..
        } => {
            let report = bench::open_loop(
                &args.url,
                &rooms,
                users,
                rate,
                duration,
                size,
                Duration::from_secs(5),
            )
            .await
            .map_err(anyhow::Error::msg)?;
            finish(&report, args.json)
        }
        BenchMode::Connections {
            count,
            source_addrs,
            hold,
            server_pid,
            headers,
            ..
        } => {
            let sources = connections::parse_sources(source_addrs.as_deref())?;
            let mode = connections::Mode {
                count,
                sources,
                hold,
                server_pid,
                headers,
            };
            connections::run(&args.url, args.json, &rooms, &mode).await
        }
        BenchMode::Rooms { .. } => print_rooms(&rooms),
        // Answered before any room was made (see above).
        BenchMode::Search { .. } => Ok(ExitCode::SUCCESS),
    }
}

fn finish(report: &Report, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        crate::out::now_exact(&format!("{}\n", serde_json::to_string_pretty(report)?));
    } else {
        crate::out::now(&table::render(
            &[
                "MODE",
                "MSG/S",
                "P50 MS",
                "P90 MS",
                "P99 MS",
                "MAX MS",
                "SENT",
                "DELIVERED",
                "LOST",
                "DUP",
                "ORDER",
                "ERRORS",
            ],
            &[vec![
                report.mode.clone(),
                format!("{:.0}", report.throughput_msg_s),
                format!("{:.2}", report.p50_ms),
                format!("{:.2}", report.p90_ms),
                format!("{:.2}", report.p99_ms),
                format!("{:.2}", report.max_ms),
                report.sent.to_string(),
                report.delivered.to_string(),
                report.lost.to_string(),
                report.duplicates.to_string(),
                report.out_of_order.to_string(),
                report.errors.to_string(),
            ]],
        ));
    }
    let clean = report.lost == 0
        && report.duplicates == 0
        && report.out_of_order == 0
        && report.errors == 0;
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `bench rooms`: the rooms as JSON, for another load generator.
fn print_rooms(rooms: &[BenchRoom]) -> anyhow::Result<ExitCode> {
    let rooms: Vec<_> = rooms
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "sender_token": r.sender_token,
                "receiver_token": r.receiver_token,
            })
        })
        .collect();
    crate::out::now_exact(&format!("{}\n", serde_json::to_string(&rooms)?));
    Ok(ExitCode::SUCCESS)
}

/// Users from a file of `email:password` lines: customers pair with hotel owners (or admins).
async fn rooms_from_file(
    url: &str,
    file: &std::path::Path,
    rooms: usize,
) -> anyhow::Result<Vec<BenchRoom>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let api = tigo_client::Api::new(url)?;
    let (mut customers, mut others) = (Vec::new(), Vec::new());
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (email, password) = line
            .split_once(':')
            .with_context(|| format!("expected email:password, got {line:?}"))?;
        let login = api
            .login(email, password)
            .await
            .with_context(|| format!("logging in {email}"))?;
        if login.user.has_role(Role::Customer) {
            customers.push(login);
        } else {
            others.push(login);
        }
    }
    let mut out = Vec::new();
    for (c, o) in customers.iter().zip(&others).take(rooms) {
        let room_type = RoomType::infer(&c.user.roles, &o.user.roles)
            .context("these users' roles fit no room type")?;
        let room = api
            .with_token(&c.access_token)
            .create_room(&CreateRoom {
                room_type,
                participant1_id: c.user.id,
                participant2_id: o.user.id,
                hotel_id: None,
            })
            .await?;
        out.push(BenchRoom {
            id: room.id,
            sender_token: c.access_token.clone(),
            receiver_token: o.access_token.clone(),
            member_tokens: Vec::new(),
        });
    }
    if out.is_empty() {
        bail!("the users file needs customers and hotel owners (or admins) to pair into rooms");
    }
    Ok(out)
}
