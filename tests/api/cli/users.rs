//! `admin migrate`, the user commands and `admin token`: migrations applied once, accounts
//! created, listed, given roles and deactivated, minted tokens the server accepts.

use super::*;
use crate::contract;
use crate::helpers::*;

async fn migrate_is_idempotent_and_prints_versions(backend: Backend) {
    let db = fresh_db(backend).await;
    let mut config = test_config(&db);
    config.migrate = false;
    // A database nobody migrated yet: the CLI does it.
    let (code, out, _) = tigo(&db, &["admin", "migrate", "--json"], None).await;
    assert_eq!(code, 0);
    assert_eq!(
        json(&out)["applied"],
        serde_json::json!(migration_versions())
    );
    let (code, out, _) = tigo(&db, &["admin", "migrate"], None).await;
    assert_eq!(code, 0);
    assert!(out.contains("up to date"), "{out}");
    let app = start(config).await;
    assert_eq!(app.api.health().await.expect("health").status, "healthy");
}

async fn users_are_created_listed_given_roles_and_deactivated(backend: Backend) {
    let app = spawn_app(backend).await;
    let (code, out, err) = tigo(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "Ops@Example.com",
            "--first-name",
            "Ops",
            "--last-name",
            "Team",
            "--role",
            "Admin",
            "--password-stdin",
            "--json",
        ],
        Some("a-long-password\n"),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let created = json(&out);
    assert_eq!(created["email"], "ops@example.com");
    assert_eq!(created["roles"], serde_json::json!(["Admin"]));
    assert!(!out.contains("argon2") && !out.contains("password"));
    app.api
        .login("ops@example.com", "a-long-password")
        .await
        .expect("the new admin logs in");
    let (code, _, err) = tigo(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "ops@example.com",
            "--first-name",
            "X",
            "--last-name",
            "Y",
            "--role",
            "Admin",
            "--password",
            "another-password",
        ],
        None,
    )
    .await;
    assert_eq!(code, 1, "a taken email fails");
    assert!(err.contains("already exists"), "{err}");
    let (code, _, err) = tigo(
        &app,
        &["admin", "create-user", "--email", "x@example.com"],
        None,
    )
    .await;
    assert_eq!(code, 2, "usage errors exit 2: {err}");
    let (code, _, _) = tigo(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "x@example.com",
            "--first-name",
            "X",
            "--last-name",
            "Y",
            "--role",
            "Boss",
            "--password",
            "longpassword",
        ],
        None,
    )
    .await;
    assert_eq!(code, 2, "an unknown role is a usage error");

    let c = app.customer().await;
    let (code, out, _) = tigo(&app, &["admin", "users", "--role", "Admin", "--json"], None).await;
    assert_eq!(code, 0);
    let admins = json(&out);
    assert_eq!(admins.as_array().map(Vec::len), Some(1));
    let (code, out, _) = tigo(&app, &["admin", "users"], None).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("EMAIL") && out.contains(&c.user.email),
        "{out}"
    );

    let (code, out, _) = tigo(
        &app,
        &[
            "admin",
            "set-roles",
            "--user",
            &c.user.email,
            "--role",
            "Customer",
            "--role",
            "HotelOwner",
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(
        json(&out)["roles"],
        serde_json::json!(["Customer", "HotelOwner"])
    );
    app.state.users.remove(&c.id());
    assert_eq!(c.api.me().await.expect("me").roles.len(), 2);

    let (code, out, _) = tigo(
        &app,
        &["admin", "deactivate", "--user", &c.id().to_string()],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert!(out.contains("deactivated"), "{out}");
    app.state.users.remove(&c.id());
    assert_eq!(
        c.api.me().await.expect_err("deactivated").status(),
        Some(401)
    );
    let (code, _, _) = tigo(
        &app,
        &["admin", "deactivate", "--user", &c.user.email, "--undo"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    app.state.users.remove(&c.id());
    c.api.me().await.expect("active again");
    let (code, _, err) = tigo(
        &app,
        &["admin", "deactivate", "--user", "nobody@example.com"],
        None,
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("no user"), "{err}");
}

async fn a_minted_token_works_against_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    let (code, out, _) = tigo(
        &app,
        &["admin", "token", "--email", &c.user.email, "--ttl", "10m"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    let me = app
        .api
        .with_token(out.trim())
        .me()
        .await
        .expect("token accepted");
    assert_eq!(me.id, c.id());
    let (code, out, _) = tigo(
        &app,
        &["admin", "token", "--email", &c.user.email, "--json"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(json(&out)["expires_in"], 3600);
}

contract!(
    migrate_is_idempotent_and_prints_versions,
    users_are_created_listed_given_roles_and_deactivated,
    a_minted_token_works_against_the_server,
);
