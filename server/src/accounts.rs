//! Accounts: login, self-registration (Customer only), and user creation for operators.

use serde_json::Value;
use tigo_common::{LoginResponse, Role, User};
use uuid::Uuid;

use crate::auth::password;
use crate::chat::validate::{Problems, object};
use crate::db::{NewUser, Store, StoreError, Unique};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

const BAD_LOGIN: &str = "Invalid email or password";

/// Emails compare case-insensitively: they are stored trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible address: one `@`, something on each side, a dot in the domain, no spaces.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(char::is_whitespace)
}

fn string<'a>(obj: &'a serde_json::Map<String, Value>, name: &str, p: &mut Problems) -> &'a str {
    match obj.get(name) {
        Some(Value::String(s)) if !s.is_empty() => s,
        Some(Value::String(_)) | None | Some(Value::Null) => {
            p.push(format!("{name} should not be empty"));
            ""
        }
        Some(_) => {
            p.push(format!("{name} must be a string"));
            ""
        }
    }
}

/// `POST /auth/login`: the same 401 for an unknown email, a wrong password and a
/// deactivated account, after the same amount of work.
pub async fn login(
    state: &AppState,
    body: &Value,
    address: Option<std::net::IpAddr>,
) -> AppResult<LoginResponse> {
    let obj = object(body)?;
    let mut p = Problems::default();
    let email = normalize_email(string(obj, "email", &mut p));
    let password = string(obj, "password", &mut p).to_string();
    p.finish()?;
    if let Err(wait) = state.limits.login(&email, address) {
        state.metrics.rate_limited("logins");
        let secs = crate::limits::retry_after(wait);
        return Err(AppError::TooManyRequests {
            message: format!("Too many login attempts; retry in {secs} s"),
            retry_after_secs: secs,
        });
    }
    let record = state.store.user_by_email(&email).await?;
    let hash = record.as_ref().map(|r| r.password_hash.clone());
    let verified = password::verify(password, hash).await;
    let record = match record {
        Some(r) if verified && r.is_active => r,
        _ => return Err(AppError::Unauthorized(BAD_LOGIN.into())),
    };
    let ttl = state.config.token_ttl.as_secs() as i64;
    let access_token = state
        .keys
        .issue(&record.user, ttl)
        .map_err(|e| AppError::internal(format!("token signing failed: {e}")))?;
    Ok(LoginResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ttl,
        user: record.user,
    })
}

/// Account fields checked the same way for self-registration and operators.
pub struct NewAccount {
    pub email: String,
    pub password: String,
    pub first_name: String,
    pub last_name: String,
    pub roles: Vec<Role>,
}

impl NewAccount {
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !is_email(&self.email) {
            p.push("email must be an email".to_string());
        }
        let chars = self.password.chars().count();
        if chars < 8 {
            p.push("password must be longer than or equal to 8 characters".into());
        }
        if chars > 128 {
            p.push("password must be shorter than or equal to 128 characters".into());
        }
        for (name, value) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
        ] {
            if value.trim().is_empty() {
                p.push(format!("{name} should not be empty"));
            } else if value.chars().count() > 100 {
                p.push(format!(
                    "{name} must be shorter than or equal to 100 characters"
                ));
            }
        }
        if self.roles.is_empty() {
            p.push("roles should not be empty".into());
        }
        p
    }
}

/// Stores a new user after hashing the password (argon2id, on the blocking pool).
pub async fn create_user(store: &dyn Store, account: NewAccount) -> AppResult<User> {
    let problems = account.problems();
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let password_hash = password::hash(account.password)
        .await
        .map_err(AppError::internal)?;
    let mut roles = account.roles;
    roles.sort();
    roles.dedup();
    let new = NewUser {
        id: Uuid::now_v7(),
        email: normalize_email(&account.email),
        password_hash,
        first_name: account.first_name.trim().to_string(),
        last_name: account.last_name.trim().to_string(),
        roles,
    };
    match store.create_user(&new).await {
        Ok(record) => Ok(record.user),
        Err(StoreError::Conflict(Unique::UserEmail)) => Err(AppError::Conflict(
            "A user with this email already exists".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /auth/register`: a Customer account.
pub async fn register(state: &AppState, body: &Value) -> AppResult<User> {
    if !state.config.allow_registration {
        return Err(AppError::Forbidden("Registration is disabled".into()));
    }
    let obj = object(body)?;
    let mut p = Problems::default();
    let account = NewAccount {
        email: string(obj, "email", &mut p).to_string(),
        password: string(obj, "password", &mut p).to_string(),
        first_name: string(obj, "first_name", &mut p).to_string(),
        last_name: string(obj, "last_name", &mut p).to_string(),
        roles: vec![Role::Customer],
    };
    // Every problem at once: what the fields lack, then what their values break (a field
    // already reported as missing or mistyped is not reported again).
    for problem in account.problems() {
        let field = problem.split(' ').next().unwrap_or_default();
        if !p.mentions(field) {
            p.push(problem);
        }
    }
    p.finish()?;
    create_user(state.store.as_ref(), account).await
}

/// `GET /chat/users/lookup?email=…`: an active user by exact email (to open a room with them).
pub async fn lookup(state: &AppState, params: &crate::chat::validate::Params) -> AppResult<User> {
    let email = params
        .get("email")
        .map(|e| normalize_email(e))
        .filter(|e| is_email(e))
        .ok_or_else(|| AppError::validation("email must be an email"))?;
    match state.store.user_by_email(&email).await? {
        Some(record) if record.is_active => Ok(record.user),
        _ => Err(AppError::NotFound("User not found".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_normalized() {
        assert!(is_email("a.b@example.com"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a b@example.com"));
        assert!(!is_email("@example.com"));
        assert_eq!(normalize_email("  Alice@Example.COM "), "alice@example.com");
    }
}
