//! REST client for the tigo-chat API; errors keep the server's status and message.

mod desk;
mod members;

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tigo_common::{
    AddReaction, CreateRoom, EditMessage, ErrorBody, Health, LoginRequest, LoginResponse, Message,
    MessageList, OnlineUsers, RegisterRequest, RegisterResponse, Room, RoomList, SearchResults,
    SendMessage, User,
};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error status.
    #[error("{status}: {message}")]
    Status {
        status: u16,
        message: String,
        body: Option<ErrorBody>,
    },
    /// Nothing answers at the server's address.
    #[error("cannot connect to {0}: is the server running?")]
    Unreachable(String),
    /// The request broke off or the server answered nonsense.
    #[error("request failed: {0}")]
    Transport(String),
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            ApiError::Unreachable(_) | ApiError::Transport(_) => None,
        }
    }
}

/// A client for one server, optionally signed in.
#[derive(Clone)]
pub struct Api {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    pub(crate) token: Option<String>,
}

impl Api {
    pub fn new(base: &str) -> Result<Api, ApiError> {
        // HTTPS uses rustls with ring; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ApiError::Transport(e.to_string()))?;
        Ok(Api {
            base: base.trim_end_matches('/').to_string(),
            http,
            token: None,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn with_token(&self, token: impl Into<String>) -> Api {
        Api {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Sends a request and returns the status and raw JSON body (for tests of error shapes).
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), ApiError> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_connect() {
                ApiError::Unreachable(self.base.clone())
            } else {
                ApiError::Transport(e.to_string())
            }
        })?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ApiError::Transport(e.to_string()))?;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Ok((status, value))
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        let body = body
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| ApiError::Transport(e.to_string()))?;
        let (status, value) = self.raw(method, path, body.as_ref()).await?;
        if !(200..300).contains(&status) {
            let body: Option<ErrorBody> = serde_json::from_value(value.clone()).ok();
            let message = body
                .as_ref()
                .map(|b| b.message.to_string())
                .unwrap_or_else(|| value.to_string());
            return Err(ApiError::Status {
                status,
                message,
                body,
            });
        }
        let value = if value.is_null() { Value::Null } else { value };
        serde_json::from_value(value)
            .map_err(|e| ApiError::Transport(format!("unexpected response: {e}")))
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<LoginResponse, ApiError> {
        let body = LoginRequest {
            email: email.into(),
            password: password.into(),
        };
        self.call(reqwest::Method::POST, "/auth/login", Some(&body))
            .await
    }

    pub async fn register(&self, req: &RegisterRequest) -> Result<User, ApiError> {
        let resp: RegisterResponse = self
            .call(reqwest::Method::POST, "/auth/register", Some(req))
            .await?;
        Ok(resp.user)
    }

    pub async fn me(&self) -> Result<User, ApiError> {
        self.call::<(), _>(reqwest::Method::GET, "/auth/me", None)
            .await
    }

    pub async fn create_room(&self, req: &CreateRoom) -> Result<Room, ApiError> {
        self.call(reqwest::Method::POST, "/chat/rooms", Some(req))
            .await
    }

    /// `GET /chat/rooms?…` with the query as given (`page=1&limit=20`…).
    pub async fn rooms(&self, query: &str) -> Result<RoomList, ApiError> {
        let path = if query.is_empty() {
            "/chat/rooms".to_string()
        } else {
            format!("/chat/rooms?{query}")
        };
        self.call::<(), _>(reqwest::Method::GET, &path, None).await
    }

    pub async fn room(&self, id: Uuid) -> Result<Room, ApiError> {
        self.call::<(), _>(reqwest::Method::GET, &format!("/chat/rooms/{id}"), None)
            .await
    }

    pub async fn send(&self, req: &SendMessage) -> Result<Message, ApiError> {
        self.call(reqwest::Method::POST, "/chat/messages", Some(req))
            .await
    }

    /// `GET /chat/rooms/:id/messages?…`.
    pub async fn messages(&self, room: Uuid, query: &str) -> Result<MessageList, ApiError> {
        let path = if query.is_empty() {
            format!("/chat/rooms/{room}/messages")
        } else {
            format!("/chat/rooms/{room}/messages?{query}")
        };
        self.call::<(), _>(reqwest::Method::GET, &path, None).await
    }

    pub async fn mark_read(&self, room: Uuid) -> Result<(), ApiError> {
        self.call::<(), Value>(
            reqwest::Method::POST,
            &format!("/chat/rooms/{room}/read"),
            None,
        )
        .await
        .map(|_| ())
    }

    pub async fn edit(&self, message: Uuid, content: &str) -> Result<Message, ApiError> {
        let body = EditMessage {
            content: content.to_string(),
        };
        self.call(
            reqwest::Method::PATCH,
            &format!("/chat/messages/{message}"),
            Some(&body),
        )
        .await
    }

    pub async fn delete(&self, message: Uuid) -> Result<(), ApiError> {
        self.call::<(), Value>(
            reqwest::Method::DELETE,
            &format!("/chat/messages/{message}"),
            None,
        )
        .await
        .map(|_| ())
    }

    /// `POST /chat/messages/:id/reactions`: the message with its reactions.
    pub async fn react(&self, message: Uuid, emoji: &str) -> Result<Message, ApiError> {
        let body = AddReaction {
            emoji: emoji.to_string(),
        };
        self.call(
            reqwest::Method::POST,
            &format!("/chat/messages/{message}/reactions"),
            Some(&body),
        )
        .await
    }

    /// `DELETE /chat/messages/:id/reactions/:emoji`.
    pub async fn unreact(&self, message: Uuid, emoji: &str) -> Result<Message, ApiError> {
        let emoji: String = form_urlencoded::byte_serialize(emoji.as_bytes()).collect();
        self.call::<(), _>(
            reqwest::Method::DELETE,
            &format!("/chat/messages/{message}/reactions/{emoji}"),
            None,
        )
        .await
    }

    /// `GET /chat/search?q=…&…` (`extra`: further query pairs, already encoded, or empty).
    pub async fn search(&self, q: &str, extra: &str) -> Result<SearchResults, ApiError> {
        let mut query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", q)
            .finish();
        if !extra.is_empty() {
            query.push('&');
            query.push_str(extra);
        }
        self.call::<(), _>(reqwest::Method::GET, &format!("/chat/search?{query}"), None)
            .await
    }

    pub async fn online_users(&self, room: Uuid) -> Result<Vec<Uuid>, ApiError> {
        let online: OnlineUsers = self
            .call::<(), _>(
                reqwest::Method::GET,
                &format!("/chat/rooms/{room}/online-users"),
                None,
            )
            .await?;
        Ok(online.online_users)
    }

    /// `GET /chat/users/lookup?email=…`: a user by exact email (to open a room with them).
    pub async fn lookup_user(&self, email: &str) -> Result<User, ApiError> {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("email", email)
            .finish();
        self.call::<(), _>(
            reqwest::Method::GET,
            &format!("/chat/users/lookup?{q}"),
            None,
        )
        .await
    }

    /// `GET /chat/admin/queue` (Admin only): rooms waiting for an answer, oldest first.
    pub async fn support_queue(&self) -> Result<Vec<tigo_common::Waiting>, ApiError> {
        let queue: tigo_common::SupportQueue = self
            .call::<(), _>(reqwest::Method::GET, "/chat/admin/queue", None)
            .await?;
        Ok(queue.rooms)
    }

    /// `GET /chat/admin/stats?…` (Admin only); `query` is the URL query, e.g.
    /// `bucket=hour&since=2026-12-01T00:00:00Z`.
    pub async fn admin_stats(&self, query: &str) -> Result<tigo_common::AdminStats, ApiError> {
        let path = format!("/chat/admin/stats?{query}");
        self.call::<(), _>(reqwest::Method::GET, &path, None).await
    }

    /// `GET /chat/hotels/:id/response-stats`: how fast the hotel answers its guests.
    pub async fn response_stats(
        &self,
        hotel: Uuid,
    ) -> Result<tigo_common::ResponseStats, ApiError> {
        let path = format!("/chat/hotels/{hotel}/response-stats");
        self.call::<(), _>(reqwest::Method::GET, &path, None).await
    }

    /// `GET /chat/admin/online-users` (Admin only): everyone connected right now.
    pub async fn admin_online(&self) -> Result<Vec<Uuid>, ApiError> {
        let online: OnlineUsers = self
            .call::<(), _>(reqwest::Method::GET, "/chat/admin/online-users", None)
            .await?;
        Ok(online.online_users)
    }

    /// `/chat/health`; an unhealthy server answers 503 with the same body.
    pub async fn health(&self) -> Result<Health, ApiError> {
        let (_, value) = self.raw(reqwest::Method::GET, "/chat/health", None).await?;
        serde_json::from_value(value)
            .map_err(|e| ApiError::Transport(format!("unexpected response: {e}")))
    }
}
