//! The contract's happy paths: uploads (multipart and raw), downloads with the contract's
//! headers and ranges, thumbnails, sending with `attachment_id`, signed URLs everywhere.

use serde_json::{Value, json};

use super::*;
use crate::contract;
use crate::helpers::*;

contract!(
    an_image_gets_a_small_thumbnail_without_its_metadata_and_downloads_byte_for_byte,
    a_sideways_phone_photo_is_sized_and_thumbnailed_upright,
    a_pdf_downloads_as_an_attachment_and_answers_byte_ranges,
    a_sent_attachment_reaches_the_room_with_signed_urls_that_work_without_headers,
    a_signed_url_stops_working_when_any_part_is_altered_or_it_expires,
    uploads_are_counted_in_the_metrics_and_listed_by_admin_export,
);

async fn an_image_gets_a_small_thumbnail_without_its_metadata_and_downloads_byte_for_byte(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let photo = jpeg_with_gps(1200, 800);
    let (status, up) = upload_form(&app, &guest, &[("file", Some("dusche.jpg"), &photo)]).await;
    assert_eq!(status, 201, "{up}");
    assert_eq!(up["content_type"], "image/jpeg");
    assert_eq!(up["file_name"], "dusche.jpg");
    assert_eq!(up["file_size"], json!(photo.len()));
    assert_eq!(
        (up["width"].clone(), up["height"].clone()),
        (json!(1200), json!(800))
    );
    // The original, exactly, through its signed URL and no header at all.
    let (status, headers, body) = get(up["file_url"].as_str().expect("file_url"), None).await;
    assert_eq!(status, 200);
    assert_eq!(body, photo);
    assert_eq!(header(&headers, "content-type"), "image/jpeg");
    assert_eq!(header(&headers, "content-length"), photo.len().to_string());
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(&headers, "cache-control"), "private");
    assert!(!header(&headers, "content-disposition").starts_with("attachment"));
    // The thumbnail: re-encoded, 320 px on the longer side, no EXIF/GPS.
    let (status, headers, thumb) = get(up["thumbnail_url"].as_str().expect("thumb"), None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "image/jpeg");
    let decoded = image::load_from_memory(&thumb).expect("thumbnail decodes");
    assert_eq!((decoded.width(), decoded.height()), (320, 213));
    assert!(
        photo.windows(4).any(|w| w == b"Exif"),
        "the fixture has EXIF"
    );
    assert!(
        !thumb.windows(4).any(|w| w == b"Exif"),
        "EXIF copied into the thumbnail"
    );
    assert!(
        !thumb.windows(3).any(|w| w == b"GPS"),
        "GPS copied into the thumbnail"
    );
}

async fn a_sideways_phone_photo_is_sized_and_thumbnailed_upright(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let photo = jpeg_sideways(1200, 800);
    let (status, up) = upload_form(&app, &guest, &[("file", Some("zimmer.jpg"), &photo)]).await;
    assert_eq!(status, 201, "{up}");
    // Shown the way a browser shows the original: portrait.
    assert_eq!(
        (up["width"].clone(), up["height"].clone()),
        (json!(800), json!(1200))
    );
    let (status, _, thumb) = get(up["thumbnail_url"].as_str().expect("thumb"), None).await;
    assert_eq!(status, 200);
    let decoded = image::load_from_memory(&thumb).expect("thumbnail decodes");
    assert_eq!((decoded.width(), decoded.height()), (213, 320));
    // The original is kept byte for byte, tag and all.
    let (_, _, body) = get(up["file_url"].as_str().expect("file_url"), None).await;
    assert_eq!(body, photo);
}

async fn a_pdf_downloads_as_an_attachment_and_answers_byte_ranges(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.owner().await;
    let (status, up) = upload_raw(&app, &owner, "Rechnung%20M%C3%A4rz.pdf", PDF).await;
    assert_eq!(status, 201, "{up}");
    assert_eq!(up["content_type"], "application/pdf");
    assert_eq!(up["file_name"], "Rechnung März.pdf");
    assert_eq!(up["thumbnail_url"], Value::Null);
    assert_eq!(up["width"], Value::Null);
    let url = format!("{}/chat/files/{}", app.url, up["id"].as_str().expect("id"));
    let (status, headers, body) = get(&url, Some(&owner.token)).await;
    assert_eq!(status, 200);
    assert_eq!(body, PDF);
    assert_eq!(header(&headers, "content-type"), "application/pdf");
    assert!(
        header(&headers, "content-disposition")
            .starts_with("attachment; filename=\"Rechnung M_rz.pdf\""),
        "{headers:?}"
    );
    let ranged = http()
        .get(&url)
        .bearer_auth(&owner.token)
        .header("range", "bytes=0-3")
        .send()
        .await
        .expect("range");
    assert_eq!(ranged.status().as_u16(), 206);
    assert_eq!(
        header(ranged.headers(), "content-range"),
        format!("bytes 0-3/{}", PDF.len())
    );
    assert_eq!(ranged.bytes().await.expect("body").as_ref(), b"%PDF");
    let outside = http()
        .get(&url)
        .bearer_auth(&owner.token)
        .header("range", format!("bytes={}-", PDF.len()))
        .send()
        .await
        .expect("range");
    assert_eq!(outside.status().as_u16(), 416);
    // A PDF has no thumbnail.
    let (status, _, _) = get(&format!("{url}/thumbnail"), Some(&owner.token)).await;
    assert_eq!(status, 404);
}

async fn a_sent_attachment_reaches_the_room_with_signed_urls_that_work_without_headers(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let owner = app.owner().await;
    let stranger = app.customer().await;
    let room = app.room(&guest, &owner).await;
    let (_socket, mut events) = app.socket(&guest).await;
    let (status, up) = upload_raw(&app, &owner, "zimmer.png", &png(400, 300)).await;
    assert_eq!(status, 201, "{up}");
    let id = up["id"].as_str().expect("id").to_string();
    let url = format!("{}/chat/files/{id}", app.url);
    // Before it is sent, only the uploader (and Admins) may read it.
    assert_eq!(get(&url, Some(&guest.token)).await.0, 403);
    assert_eq!(get(&url, Some(&owner.token)).await.0, 200);
    let (status, sent) = owner
        .api
        .raw(
            reqwest::Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room.id, "content": "", "attachment_id": id})),
        )
        .await
        .expect("send");
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["type"], "image");
    assert_eq!(sent["file_name"], "zimmer.png");
    assert_eq!(sent["metadata"]["attachment"]["id"], json!(id));
    assert_eq!(sent["metadata"]["attachment"]["width"], 400);
    let live = events
        .wait_for("new_message", WAIT)
        .await
        .expect("new_message");
    for message in [&sent, &live] {
        let file_url = message["file_url"].as_str().expect("file_url");
        assert!(
            file_url.contains("exp=") && file_url.contains("&sig="),
            "{file_url}"
        );
        let (status, _, body) = get(file_url, None).await;
        assert_eq!(status, 200, "{file_url}");
        assert_eq!(body, get(&url, Some(&owner.token)).await.2);
        let thumb = message["metadata"]["attachment"]["thumbnail_url"]
            .as_str()
            .expect("thumb");
        assert_eq!(get(thumb, None).await.0, 200);
    }
    // Now the room's other participant may read it by token; an outsider may not.
    assert_eq!(get(&url, Some(&guest.token)).await.0, 200);
    assert_eq!(get(&url, Some(&stranger.token)).await.0, 403);
    // History signs again, and the same upload may go in another message.
    let page = guest.api.messages(room.id, "").await.expect("history");
    let stored = page.messages.last().expect("message");
    assert!(
        stored
            .file_url
            .as_deref()
            .is_some_and(|u| u.contains("sig="))
    );
    let (status, again) = guest
        .api
        .raw(
            reqwest::Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room.id, "content": "same photo?", "attachment_id": id})),
        )
        .await
        .expect("send");
    assert_eq!(status, 404, "someone else's upload: {again}");
    let (status, _) = owner
        .api
        .raw(
            reqwest::Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room.id, "content": "again", "attachment_id": id, "type": "file"})),
        )
        .await
        .expect("send");
    assert_eq!(status, 201);
    // A client cannot forge an attachment in metadata: the server owns that key.
    let forged = send_json(
        &guest,
        json!({"chat_room_id": room.id, "content": "hi", "metadata": {"attachment": {"id": id}, "k": 1}}),
    )
    .await;
    assert_eq!(forged["metadata"], json!({"k": 1}));
    assert_eq!(forged["file_url"], Value::Null);
}

async fn send_json(user: &TestUser, body: Value) -> Value {
    let (status, message) = user
        .api
        .raw(reqwest::Method::POST, "/chat/messages", Some(&body))
        .await
        .expect("send");
    assert_eq!(status, 201, "{message}");
    message
}

async fn a_signed_url_stops_working_when_any_part_is_altered_or_it_expires(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.files.url_ttl = std::time::Duration::from_secs(2)
    })
    .await;
    let guest = app.customer().await;
    let (_, up) = upload_raw(&app, &guest, "a.png", &png(10, 10)).await;
    let url = up["file_url"].as_str().expect("url").to_string();
    assert_eq!(get(&url, None).await.0, 200);
    let (base, query) = url.split_once('?').expect("query");
    let exp = query
        .split('&')
        .next()
        .and_then(|p| p.strip_prefix("exp="))
        .expect("exp");
    let sig = query.split("sig=").nth(1).expect("sig");
    let later: i64 = exp.parse::<i64>().expect("exp") + 3600;
    let mut flipped = sig.to_string();
    let last = if flipped.ends_with('0') { '1' } else { '0' };
    flipped.pop();
    flipped.push(last);
    let id = up["id"].as_str().expect("id");
    let altered = [
        format!("{base}?exp={later}&sig={sig}"),
        format!("{base}?exp={exp}&sig={flipped}"),
        format!("{base}?exp={exp}&sig={}", sig.to_uppercase()),
        format!("{base}?exp={exp}"),
        format!("{base}?exp={exp}&sig={sig}&x=1"),
        format!(
            "{}?exp={exp}&sig={sig}",
            base.replace(id, &id.to_uppercase())
        ),
        format!("{base}/thumbnail?exp={exp}&sig={sig}"),
        base.to_string(),
    ];
    for bad in &altered {
        let (status, _, body) = get(bad, None).await;
        assert_eq!(status, 401, "{bad}");
        let body: Value = serde_json::from_slice(&body).expect("json error");
        assert_error(status, &body, 401);
    }
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(get(&url, None).await.0, 401, "expired");
}

async fn uploads_are_counted_in_the_metrics_and_listed_by_admin_export(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let owner = app.owner().await;
    let room = app.room(&guest, &owner).await;
    let (_, up) = upload_raw(&app, &guest, "notiz.txt", b"Zimmer 12: Dusche tropft\n").await;
    assert_eq!(up["content_type"], "text/plain");
    send_json(
        &guest,
        json!({"chat_room_id": room.id, "content": "see file", "attachment_id": up["id"]}),
    )
    .await;
    let metrics = reqwest::get(format!("{}/metrics", app.url))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("\ntigo_uploads_total 1\n"), "{metrics}");
    assert!(
        metrics.contains("\ntigo_upload_bytes_total 25\n"),
        "{metrics}"
    );
    let store = match &app.state.config.files.store {
        tigo_server::files::StoreSpec::Local(p) => p.display().to_string(),
        _ => unreachable!(),
    };
    let room_id = room.id.to_string();
    let (code, out, err) = crate::cli::tigo_env(
        &app,
        &["admin", "export", "--room", &room_id, "--format", "csv"],
        None,
        &[("FILE_STORE", &store), ("PUBLIC_URL", &app.url)],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let header_line = out.lines().next().expect("header");
    assert!(
        header_line.ends_with("attachment_id,attachment_type,thumbnail_url"),
        "{header_line}"
    );
    let row = out.lines().nth(1).expect("row");
    assert!(
        row.contains(up["id"].as_str().expect("id")) && row.contains("text/plain"),
        "{row}"
    );
    let (code, out, err) = crate::cli::tigo_env(
        &app,
        &["admin", "export", "--room", &room_id],
        None,
        &[("FILE_STORE", &store), ("PUBLIC_URL", &app.url)],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let exported: Value = serde_json::from_str(&out).expect("json");
    let file_url = exported[0]["file_url"].as_str().expect("file_url");
    let (status, _, body) = get(file_url, None).await;
    assert_eq!(status, 200, "an exported URL is signed and works");
    assert_eq!(body, b"Zimmer 12: Dusche tropft\n");
}
