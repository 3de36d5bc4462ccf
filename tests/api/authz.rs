//! The authorization matrix: every endpoint × {participant, other participant, stranger,
//! Admin, no token, expired, forged, `alg: none`, another algorithm}.

use reqwest::Method;
use serde_json::{Value, json};

use crate::contract;
use crate::helpers::*;

fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Tokens that must all be refused for a real user.
fn bad_tokens(user: uuid::Uuid) -> Vec<(&'static str, Option<String>)> {
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64| json!({"sub": user, "email": "x@example.com", "roles": ["Admin"], "iat": now, "exp": exp});
    let sign = |alg: jsonwebtoken::Algorithm, secret: &str, claims: &Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(alg),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("encode")
    };
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims(now + 600).to_string().as_bytes())
    );
    let valid = sign(jsonwebtoken::Algorithm::HS256, SECRET, &claims(now + 600));
    let mut parts: Vec<&str> = valid.split('.').collect();
    let tampered_claims = b64(
        json!({"sub": user, "roles": ["Admin"], "iat": now, "exp": now + 99_999})
            .to_string()
            .as_bytes(),
    );
    parts[1] = &tampered_claims;
    let tampered = parts.join(".");
    vec![
        ("no token", None),
        (
            "expired",
            Some(sign(
                jsonwebtoken::Algorithm::HS256,
                SECRET,
                &claims(now - 3600),
            )),
        ),
        (
            "forged",
            Some(sign(
                jsonwebtoken::Algorithm::HS256,
                "not-the-secret",
                &claims(now + 600),
            )),
        ),
        ("alg none", Some(none)),
        (
            "HS512",
            Some(sign(
                jsonwebtoken::Algorithm::HS512,
                SECRET,
                &claims(now + 600),
            )),
        ),
        ("tampered claims", Some(tampered)),
        (
            "unknown user",
            Some(sign(
                jsonwebtoken::Algorithm::HS256,
                SECRET,
                &json!({"sub": uuid::Uuid::new_v4(), "exp": now + 600}),
            )),
        ),
        ("garbage", Some("not.a.jwt".into())),
    ]
}

/// (name, method, path, body, expected status for [participant, other participant, stranger, admin])
type Case = (&'static str, Method, String, Option<Value>, [u16; 4]);

async fn every_endpoint_enforces_who_may_do_what(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, stranger, admin) = (
        app.customer().await,
        app.owner().await,
        app.customer().await,
        app.admin().await,
    );
    let room = app.room(&c, &o).await;
    let message = send(&c, room.id, "hello").await;
    let r = room.id;
    let create = json!({"type": "customer_hotel_owner", "participant1_id": c.id(), "participant2_id": o.id()});
    // (name, method, path, body, [participant, other participant, stranger, admin])
    let cases: Vec<Case> = vec![
        (
            "me",
            Method::GET,
            "/auth/me".into(),
            None,
            [200, 200, 200, 200],
        ),
        (
            "create room",
            Method::POST,
            "/chat/rooms".into(),
            Some(create),
            [200, 200, 403, 200],
        ),
        (
            "list rooms",
            Method::GET,
            "/chat/rooms".into(),
            None,
            [200, 200, 200, 200],
        ),
        (
            "list every room",
            Method::GET,
            "/chat/rooms?all=true".into(),
            None,
            [403, 403, 403, 200],
        ),
        (
            "get room",
            Method::GET,
            format!("/chat/rooms/{r}"),
            None,
            [200, 200, 403, 200],
        ),
        (
            "history",
            Method::GET,
            format!("/chat/rooms/{r}/messages"),
            None,
            [200, 200, 403, 200],
        ),
        (
            "mark read",
            Method::POST,
            format!("/chat/rooms/{r}/read"),
            None,
            [204, 204, 403, 204],
        ),
        (
            "online users",
            Method::GET,
            format!("/chat/rooms/{r}/online-users"),
            None,
            [200, 200, 403, 200],
        ),
        (
            "send",
            Method::POST,
            "/chat/messages".into(),
            Some(json!({"chat_room_id": r, "content": "x"})),
            [201, 201, 403, 201],
        ),
        (
            "edit",
            Method::PATCH,
            format!("/chat/messages/{}", message.id),
            Some(json!({"content": "y"})),
            [200, 403, 403, 403],
        ),
    ];
    let actors = [
        ("participant", &c),
        ("other participant", &o),
        ("stranger", &stranger),
        ("admin", &admin),
    ];
    for (name, method, path, body, expected) in &cases {
        for ((who, user), want) in actors.iter().zip(expected) {
            let (status, resp) = user
                .api
                .raw(method.clone(), path, body.as_ref())
                .await
                .expect("request");
            assert_eq!(status, *want, "{name} as {who}: {resp}");
            if *want >= 400 {
                assert_error(status, &resp, *want);
            }
        }
        for (label, token) in bad_tokens(c.id()) {
            let api = match token {
                Some(t) => app.api.with_token(t),
                None => app.api.clone(),
            };
            let (status, resp) = api
                .raw(method.clone(), path, body.as_ref())
                .await
                .expect("request");
            assert_error(status, &resp, 401);
            let _ = label;
        }
    }
    // Delete consumes its message: a fresh one for each attempt.
    for ((who, user), want) in actors.iter().zip([204, 403, 403, 204]) {
        let m = send(&c, r, "to delete").await;
        let (status, resp) = user
            .api
            .raw(Method::DELETE, &format!("/chat/messages/{}", m.id), None)
            .await
            .expect("delete");
        assert_eq!(status, want, "delete as {who}: {resp}");
    }
    for (label, token) in bad_tokens(c.id()) {
        let api = match token {
            Some(t) => app.api.with_token(t),
            None => app.api.clone(),
        };
        let (status, resp) = api
            .raw(
                Method::DELETE,
                &format!("/chat/messages/{}", message.id),
                None,
            )
            .await
            .expect("delete");
        assert_eq!(status, 401, "delete with {label}: {resp}");
    }
    // Public endpoints.
    for path in ["/chat/health", "/openapi.json"] {
        let (status, _) = app.api.raw(Method::GET, path, None).await.expect("public");
        assert_eq!(status, 200, "{path}");
    }
}

contract!(every_endpoint_enforces_who_may_do_what);
