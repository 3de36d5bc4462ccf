//! User commands: create-user, users, set-roles, deactivate, token, online.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use tigo_common::Role;
use tigo_server::admin::{Admin, UserRow};

use super::{Printer, time};
use crate::cli::CreateUserArgs;
use crate::out::Out;
use crate::table;

fn roles(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn users_table(out: &mut Out, rows: &[UserRow]) {
    let rows: Vec<Vec<String>> = rows
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
        .collect();
    out.text(table::render(
        &["ID", "EMAIL", "NAME", "ROLES", "ACTIVE", "CREATED"],
        &rows,
    ));
}

pub async fn create(
    admin: &Admin,
    p: &mut Printer,
    user: CreateUserArgs,
) -> anyhow::Result<ExitCode> {
    admin.migrate().await?;
    let password = match user.password {
        Some(p) => p,
        None if std::io::stdin().is_terminal() => password_from_terminal()?,
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
    p.show(&created, |out| {
        out.line(format!(
            "created user {} <{}> roles {}",
            created.id,
            created.email,
            roles(&created.roles)
        ));
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `--password-stdin` on a terminal: asked for without echo, twice (a typo would lock the
/// new account out).
fn password_from_terminal() -> anyhow::Result<String> {
    let first = rpassword::prompt_password("Password: ").context("reading the password")?;
    let again = rpassword::prompt_password("Password again: ").context("reading the password")?;
    if first != again {
        anyhow::bail!("the two passwords differ; no user was created");
    }
    Ok(first)
}

pub async fn list(admin: &Admin, p: &mut Printer, role: Option<Role>) -> anyhow::Result<ExitCode> {
    let rows = admin.users(role).await?;
    p.show(&rows, |out| users_table(out, &rows))?;
    Ok(ExitCode::SUCCESS)
}

pub async fn set_roles(
    admin: &Admin,
    p: &mut Printer,
    who: &str,
    new: &[Role],
) -> anyhow::Result<ExitCode> {
    let row = admin.set_roles(who, new).await?;
    p.show(&row, |out| {
        out.line(format!("{} now has roles {}", row.email, roles(&row.roles)));
    })?;
    Ok(ExitCode::SUCCESS)
}

pub async fn deactivate(
    admin: &Admin,
    p: &mut Printer,
    who: &str,
    undo: bool,
) -> anyhow::Result<ExitCode> {
    let row = admin.set_active(who, undo).await?;
    p.show(&row, |out| {
        let state = if row.is_active {
            "active"
        } else {
            "deactivated"
        };
        out.line(format!("{} is {state}", row.email));
    })?;
    Ok(ExitCode::SUCCESS)
}

pub async fn token(
    admin: &Admin,
    p: &mut Printer,
    who: &str,
    ttl: Duration,
) -> anyhow::Result<ExitCode> {
    let token = admin.token(who, ttl).await?;
    let reply = serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": ttl.as_secs()});
    p.show(&reply, |out| out.line(&token))?;
    Ok(ExitCode::SUCCESS)
}

/// Users online: from Redis, or from a running server asked as an Admin.
pub async fn online(
    admin: &Admin,
    p: &mut Printer,
    url: Option<String>,
    as_user: Option<String>,
) -> anyhow::Result<ExitCode> {
    let rows = match (url, as_user) {
        (Some(url), Some(who)) => {
            let token = admin.token(&who, Duration::from_secs(300)).await?;
            let api = tigo_client::Api::new(&url)?.with_token(token);
            let ids = api.admin_online().await?;
            let mut rows = Vec::new();
            for id in ids {
                // Presence may name users this database no longer has.
                if let Ok(user) = admin.find_user(&id.to_string()).await {
                    rows.push(UserRow::from(user));
                }
            }
            rows
        }
        _ if !admin.has_redis() => anyhow::bail!(
            "admin online needs the servers' Redis (REDIS_URL or --redis-url), or a running \
             server to ask: --url http://HOST:PORT --as ADMIN_EMAIL"
        ),
        _ => admin.online().await?,
    };
    p.show(&rows, |out| {
        users_table(out, &rows);
        out.line(format!("{} online", rows.len()));
    })?;
    Ok(ExitCode::SUCCESS)
}
