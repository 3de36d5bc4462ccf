//! Login, registration, `/auth/me`, and what tokens are accepted.

use reqwest::Method;
use serde_json::json;
use tigo_common::Role;

use crate::contract;
use crate::helpers::*;

async fn login_returns_a_bearer_token_and_the_user_without_secrets(backend: Backend) {
    let app = spawn_app(backend).await;
    let u = app.customer().await;
    let (status, body) = app
        .api
        .raw(
            Method::POST,
            "/auth/login",
            Some(&json!({"email": u.user.email, "password": PASSWORD})),
        )
        .await
        .expect("login");
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert!(
        body["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert_eq!(body["expires_in"], 86400);
    assert_eq!(body["user"]["id"], json!(u.id()));
    assert_eq!(body["user"]["roles"], json!(["Customer"]));
    let text = body.to_string();
    assert!(
        !text.contains("password") && !text.contains("$argon2"),
        "secret leaked: {text}"
    );
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let u = app.customer().await;
    let (s1, b1) = app
        .api
        .raw(
            Method::POST,
            "/auth/login",
            Some(&json!({"email": u.user.email, "password": "wrong-password"})),
        )
        .await
        .expect("login");
    let (s2, b2) = app
        .api
        .raw(
            Method::POST,
            "/auth/login",
            Some(&json!({"email": "nobody@example.com", "password": "whatever1"})),
        )
        .await
        .expect("login");
    assert_error(s1, &b1, 401);
    assert_error(s2, &b2, 401);
    assert_eq!(b1, b2);
}

async fn emails_are_case_insensitive(backend: Backend) {
    let app = spawn_app(backend).await;
    let u = app.customer().await;
    let login = app
        .api
        .login(&u.user.email.to_uppercase(), PASSWORD)
        .await
        .expect("login");
    assert_eq!(login.user.id, u.id());
}

async fn registration_creates_a_customer_and_refuses_a_taken_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = json!({"email": "New@Example.com", "password": "longenough", "first_name": "New", "last_name": "Person"});
    let (status, created) = app
        .api
        .raw(Method::POST, "/auth/register", Some(&body))
        .await
        .expect("register");
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["user"]["roles"], json!(["Customer"]));
    assert_eq!(created["user"]["email"], "new@example.com");
    let (status, again) = app
        .api
        .raw(Method::POST, "/auth/register", Some(&body))
        .await
        .expect("register");
    assert_error(status, &again, 409);
    let login = app
        .api
        .login("new@example.com", "longenough")
        .await
        .expect("login");
    assert_eq!(login.user.first_name, "New");
}

async fn registration_names_every_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app
        .api
        .raw(
            Method::POST,
            "/auth/register",
            Some(&json!({"email": "not-an-email", "password": "short", "first_name": 5})),
        )
        .await
        .expect("register");
    assert_error(status, &body, 400);
    let problems = messages_of(&body);
    for expected in [
        "first_name must be a string",
        "last_name should not be empty",
    ] {
        assert!(
            problems.iter().any(|p| p == expected),
            "{expected:?} missing from {problems:?}"
        );
    }
}

async fn registration_can_be_switched_off(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.allow_registration = false).await;
    let body = json!({"email": "x@example.com", "password": "longenough", "first_name": "X", "last_name": "Y"});
    let (status, resp) = app
        .api
        .raw(Method::POST, "/auth/register", Some(&body))
        .await
        .expect("register");
    assert_error(status, &resp, 403);
}

async fn me_returns_the_caller(backend: Backend) {
    let app = spawn_app(backend).await;
    let u = app
        .user_with(&[Role::HotelOwner, Role::Admin], "Multi")
        .await;
    let me = u.api.me().await.expect("me");
    assert_eq!(me.id, u.id());
    assert_eq!(me.roles, vec![Role::HotelOwner, Role::Admin]);
}

async fn a_token_minted_by_the_platform_with_the_same_secret_is_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let u = app.customer().await;
    let now = chrono::Utc::now().timestamp();
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": u.id(), "email": u.user.email, "roles": ["Customer"], "iat": now, "exp": now + 600}),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("encode");
    let me = app.api.with_token(token).me().await.expect("me");
    assert_eq!(me.id, u.id());
}

async fn a_deactivated_user_can_neither_log_in_nor_use_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let u = app.customer().await;
    assert!(
        app.state
            .store
            .set_active(u.id(), false)
            .await
            .expect("deactivate")
    );
    app.state.users.remove(&u.id());
    let err = app
        .api
        .login(&u.user.email, PASSWORD)
        .await
        .expect_err("login refused");
    assert_eq!(err.status(), Some(401));
    let err = u.api.me().await.expect_err("token refused");
    assert_eq!(err.status(), Some(401));
}

async fn bcrypt_hashes_from_the_platform_verify(backend: Backend) {
    let app = spawn_app(backend).await;
    let hash = bcrypt::hash("platform-password", 4).expect("bcrypt");
    app.state
        .store
        .create_user(&tigo_server::db::NewUser {
            id: uuid::Uuid::now_v7(),
            email: "legacy@example.com".into(),
            password_hash: hash,
            first_name: "Legacy".into(),
            last_name: "User".into(),
            roles: vec![Role::Customer],
        })
        .await
        .expect("insert");
    let login = app
        .api
        .login("legacy@example.com", "platform-password")
        .await
        .expect("login");
    assert_eq!(login.user.first_name, "Legacy");
    assert!(
        app.api
            .login("legacy@example.com", "nope-nope")
            .await
            .is_err()
    );
}

contract!(
    login_returns_a_bearer_token_and_the_user_without_secrets,
    a_wrong_password_and_an_unknown_email_get_the_same_401,
    emails_are_case_insensitive,
    registration_creates_a_customer_and_refuses_a_taken_email,
    registration_names_every_problem,
    registration_can_be_switched_off,
    me_returns_the_caller,
    a_token_minted_by_the_platform_with_the_same_secret_is_accepted,
    a_deactivated_user_can_neither_log_in_nor_use_a_token,
    bcrypt_hashes_from_the_platform_verify,
);

/// What `tigo-chat serve` logs with `JWT_SECRET=secret`, up to the line saying it listens.
async fn startup_log(secret: &str) -> String {
    use tokio::io::AsyncBufReadExt;
    let db = fresh_db(Backend::Sqlite).await;
    let files = std::env::temp_dir().join(format!("tigo-files-{}", uuid::Uuid::new_v4().simple()));
    let mut child = crate::cli::tigo_command()
        .args(["serve", "--port", "0"])
        .env("DATABASE_URL", db.database_url())
        .env("JWT_SECRET", secret)
        .env("FILE_STORE", &files)
        .env("RUST_LOG", "info")
        .env("LOG_FORMAT", "text")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start tigo-chat serve");
    let mut lines = tokio::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut log = String::new();
    let read = tokio::time::timeout(WAIT * 6, async {
        while let Ok(Some(line)) = lines.next_line().await {
            log.push_str(&line);
            log.push('\n');
            if line.contains("tigo-chat listening") {
                return true;
            }
        }
        false
    })
    .await;
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&files);
    assert_eq!(read, Ok(true), "serve did not come up:\n{log}");
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwt_secret_under_32_bytes_gets_one_startup_warning_without_the_secret() {
    let short = "s3cret-but-far-too-short";
    let log = startup_log(short).await;
    let warnings: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("JWT_SECRET is shorter than 32 bytes"))
        .collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(warnings[0].contains("WARN"), "{log}");
    assert!(!log.contains(short), "the secret is never printed:\n{log}");
    // 32 bytes is what HS256 wants: no warning.
    let log = startup_log(&"k".repeat(32)).await;
    assert!(!log.contains("JWT_SECRET"), "{log}");
}
