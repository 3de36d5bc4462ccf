//! Hostile uploads and downloads: each gets the contract's answer, and nothing is stored (the
//! store folder stays empty, and no upload id comes back that could be sent).

use std::time::Duration;

use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::*;
use crate::contract;
use crate::helpers::*;

contract!(
    disguised_markup_empty_files_and_bad_names_are_refused_and_nothing_is_stored,
    an_upload_one_byte_over_the_limit_is_refused_and_one_at_the_limit_is_not,
    a_multipart_body_needs_exactly_one_file_part,
    text_is_utf8_to_its_last_byte_whatever_its_length,
    a_file_in_a_part_not_named_file_is_refused,
    an_upload_cut_off_mid_way_leaves_nothing_behind,
    forged_signatures_and_other_users_attachments_are_refused,
    uploads_past_the_per_user_rate_limit_get_429_with_retry_after,
);

fn assert_nothing_stored(app: &TestApp) {
    let left = files_in(&folder(app));
    assert!(left.is_empty(), "stored: {left:?}");
}

async fn disguised_markup_empty_files_and_bad_names_are_refused_and_nothing_is_stored(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let html = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>";
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";
    let cases: [(&str, &[u8], u16); 8] = [
        ("image.png", html, 415),
        ("drawing.svg", svg, 415),
        ("setup.png", exe, 415),
        ("script.txt", b"#!/bin/sh\necho pwned\n", 415),
        ("empty.png", b"", 400),
        ("..%2F..%2Fetc%2Fpasswd", b"hello", 400),
        ("a%0Ab.txt", b"hello", 400),
        ("%1B%5B31mred.txt", b"hello", 400),
    ];
    for (name, bytes, expected) in cases {
        let (status, body) = upload_raw(&app, &guest, name, bytes).await;
        assert_error(status, &body, expected);
        assert_nothing_stored(&app);
    }
    // The same through multipart: the declared type and name change nothing.
    let (status, body) = upload_form(&app, &guest, &[("file", Some("cat.png"), html)]).await;
    assert_error(status, &body, 415);
    let (status, body) =
        upload_form(&app, &guest, &[("file", Some("../../x.png"), &png(2, 2))]).await;
    assert_error(status, &body, 400);
    // A raw upload with no name.
    let resp = http()
        .post(format!("{}/chat/uploads", app.url))
        .bearer_auth(&guest.token)
        .body(png(2, 2))
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status().as_u16(), 400);
    // No token at all.
    let resp = http()
        .post(format!("{}/chat/uploads", app.url))
        .header("x-file-name", "a.png")
        .body(png(2, 2))
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status().as_u16(), 401);
    assert_nothing_stored(&app);
}

async fn an_upload_one_byte_over_the_limit_is_refused_and_one_at_the_limit_is_not(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |c| c.files.max_upload_bytes = 64 * 1024).await;
    let guest = app.customer().await;
    let at_limit = vec![b'a'; 64 * 1024];
    let mut over = at_limit.clone();
    over.push(b'a');
    let (status, body) = upload_raw(&app, &guest, "over.txt", &over).await;
    assert_error(status, &body, 413);
    assert_nothing_stored(&app);
    // Also when the length is not declared up front (chunked): refused while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        over.chunks(1000).map(|c| Ok(c.to_vec())).collect();
    let resp = http()
        .post(format!("{}/chat/uploads", app.url))
        .bearer_auth(&guest.token)
        .header("x-file-name", "chunked.txt")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status().as_u16(), 413);
    assert_nothing_stored(&app);
    let (status, body) = upload_form(&app, &guest, &[("file", Some("over.txt"), &over)]).await;
    assert_error(status, &body, 413);
    assert_nothing_stored(&app);
    let (status, body) = upload_raw(&app, &guest, "limit.txt", &at_limit).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["file_size"], json!(64 * 1024));
}

async fn a_multipart_body_needs_exactly_one_file_part(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let image = png(4, 4);
    let two = [
        ("file", Some("a.png"), &image[..]),
        ("file", Some("b.png"), &image[..]),
    ];
    let (status, body) = upload_form(&app, &guest, &two).await;
    assert_error(status, &body, 400);
    assert_nothing_stored(&app);
    let (status, body) = upload_form(&app, &guest, &[("note", None, b"hello")]).await;
    assert_error(status, &body, 400);
    let (status, body) = upload_form(&app, &guest, &[]).await;
    assert_error(status, &body, 400);
    let (status, body) = upload_form(&app, &guest, &[("file", None, &image[..])]).await;
    assert_error(status, &body, 400);
    assert_nothing_stored(&app);
    // A form field besides the one file is fine.
    let (status, body) = upload_form(
        &app,
        &guest,
        &[
            ("caption", None, b"room 12"),
            ("file", Some("a.png"), &image[..]),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

async fn text_is_utf8_to_its_last_byte_whatever_its_length(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    // Latin-1 "café": the last byte starts a UTF-8 character that never comes.
    let short = b"caf\xe9".to_vec();
    let long = b"caf\xe9 au lait, bitte".to_vec();
    // Text for its first 8 KiB (what the type is decided from), Latin-1 after.
    let mut late = "Zimmer 12, Dusche tropft.\n".repeat(400).into_bytes();
    late.extend_from_slice(b"Gr\xfc\xdfe\n");
    for (name, bytes) in [
        ("short.txt", &short),
        ("long.txt", &long),
        ("late.txt", &late),
    ] {
        let (status, body) = upload_raw(&app, &guest, name, bytes).await;
        assert_error(status, &body, 415);
        assert_nothing_stored(&app);
        let (status, body) = upload_form(&app, &guest, &[("file", Some(name), bytes)]).await;
        assert_error(status, &body, 415);
        assert_nothing_stored(&app);
    }
    // UTF-8 whose characters straddle the 8 KiB mark and every chunk boundary is text.
    let text = "Grüße aus Zimmer 12 ✓ 🛁\n".repeat(1000).into_bytes();
    let (status, up) = upload_raw(&app, &guest, "gruesse.txt", &text).await;
    assert_eq!(status, 201, "{up}");
    assert_eq!(up["content_type"], "text/plain");
    let (status, _, body) = get(up["file_url"].as_str().expect("url"), None).await;
    assert_eq!((status, body), (200, text));
}

async fn a_file_in_a_part_not_named_file_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let image = png(4, 4);
    for parts in [
        &[("upload", Some("a.png"), &image[..])][..],
        &[
            ("caption", None, b"room 12"),
            ("attachment", Some("a.png"), &image[..]),
        ],
    ] {
        let (status, body) = upload_form(&app, &guest, parts).await;
        assert_error(status, &body, 400);
        assert!(
            messages_of(&body)
                .iter()
                .any(|m| m.contains("part named file")),
            "{body}"
        );
        assert_nothing_stored(&app);
    }
}

async fn an_upload_cut_off_mid_way_leaves_nothing_behind(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let addr = app.url.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /chat/uploads HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/pdf\r\nX-File-Name: big.pdf\r\nContent-Length: 2000000\r\n\r\n",
        guest.token
    );
    conn.write_all(head.as_bytes()).await.expect("head");
    let mut part = PDF.to_vec();
    part.resize(600_000, b' ');
    conn.write_all(&part).await.expect("part");
    conn.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(conn);
    // The server notices the body ended early and drops what it had written.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !files_in(&folder(&app)).is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_nothing_stored(&app);
    // The service goes on.
    let (status, _) = upload_raw(&app, &guest, "after.pdf", PDF).await;
    assert_eq!(status, 201);
}

async fn forged_signatures_and_other_users_attachments_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let owner = app.owner().await;
    let room = app.room(&guest, &owner).await;
    let (_, up) = upload_raw(&app, &owner, "invoice.pdf", PDF).await;
    let id = up["id"].as_str().expect("id");
    // A signature made with another key, and one for an id that does not exist.
    let forged = format!(
        "{}/chat/files/{id}?exp=4102444800&sig={}",
        app.url,
        "ab".repeat(32)
    );
    let (status, _, _) = get(&forged, None).await;
    assert_eq!(status, 401);
    let unknown = format!("{}/chat/files/{}", app.url, uuid::Uuid::new_v4());
    assert_eq!(get(&unknown, Some(&guest.token)).await.0, 404);
    assert_eq!(
        get(&format!("{}/chat/files/nope", app.url), Some(&guest.token))
            .await
            .0,
        400
    );
    assert_eq!(get(&unknown, Some("not-a-token")).await.0, 401);
    // Another user's upload cannot be sent, nor read before it is shared.
    let (status, body) = guest
        .api
        .raw(
            reqwest::Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room.id, "content": "", "attachment_id": id})),
        )
        .await
        .expect("send");
    assert_error(status, &body, 404);
    let (status, body) = guest
        .api
        .raw(
            reqwest::Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room.id, "content": "x", "attachment_id": uuid::Uuid::new_v4()})),
        )
        .await
        .expect("send");
    assert_error(status, &body, 404);
    let (status, body) = owner
        .api
        .raw(
            reqwest::Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room.id, "attachment_id": id, "file_url": "https://evil.example/x"})),
        )
        .await
        .expect("send");
    assert_error(status, &body, 400);
    let page = guest.api.messages(room.id, "").await.expect("history");
    assert!(page.messages.is_empty(), "nothing was sent");
    let url = format!("{}/chat/files/{id}", app.url);
    assert_eq!(get(&url, Some(&guest.token)).await.0, 403);
    let admin = app.admin().await;
    assert_eq!(
        get(&url, Some(&admin.token)).await.0,
        200,
        "Admins read every file"
    );
}

async fn uploads_past_the_per_user_rate_limit_get_429_with_retry_after(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.files.uploads_per_minute = 2).await;
    let guest = app.customer().await;
    let other = app.customer().await;
    for n in 0..2 {
        let (status, _) = upload_raw(&app, &guest, &format!("{n}.pdf"), PDF).await;
        assert_eq!(status, 201);
    }
    let resp = http()
        .post(format!("{}/chat/uploads", app.url))
        .bearer_auth(&guest.token)
        .header("x-file-name", "third.pdf")
        .body(PDF.to_vec())
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status().as_u16(), 429);
    let wait: u64 = header(resp.headers(), "retry-after")
        .parse()
        .expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        files_in(&folder(&app)).len(),
        2,
        "the refused upload stored nothing"
    );
    // The limit is per user.
    let (status, _) = upload_raw(&app, &other, "theirs.pdf", PDF).await;
    assert_eq!(status, 201);
}
