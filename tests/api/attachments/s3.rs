//! Stores shared across instances, and the S3-compatible store: the moto server that
//! scripts/services.sh starts stands in for AWS S3, MinIO, R2 or Ceph (object_store speaks the
//! same protocol to each). Two instances on one database and one bucket (or one SQLite file
//! and one folder) share uploads; a store that is down gives 503 and nothing else.

use serde_json::json;
use tigo_server::files::{S3Spec, StoreSpec};
use uuid::Uuid;

use super::*;
use crate::helpers::*;

pub(crate) fn s3_endpoint() -> String {
    std::env::var("TEST_S3_ENDPOINT").unwrap_or_else(|_| {
        panic!("TEST_S3_ENDPOINT is not set: run scripts/test.sh or source scripts/services.sh")
    })
}

/// A fresh prefix in the test bucket, at `endpoint`.
pub(crate) fn s3_store(endpoint: &str, prefix: &str) -> StoreSpec {
    StoreSpec::S3(S3Spec {
        bucket: std::env::var("TEST_S3_BUCKET").unwrap_or_else(|_| "tigo-test".into()),
        prefix: prefix.to_string(),
        endpoint: Some(endpoint.to_string()),
        region: "us-east-1".into(),
        access_key_id: Some("test".into()),
        secret_access_key: Some("test".into()),
    })
}

/// Object keys under `prefix` in the test bucket.
pub(crate) async fn keys_under(prefix: &str) -> Vec<String> {
    let bucket = std::env::var("TEST_S3_BUCKET").unwrap_or_else(|_| "tigo-test".into());
    let listing = http()
        .get(format!(
            "{}/{bucket}?list-type=2&prefix={prefix}/",
            s3_endpoint()
        ))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("text");
    listing
        .split("<Key>")
        .skip(1)
        .filter_map(|s| s.split("</Key>").next().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_through_one_instance_downloads_through_another_sharing_the_bucket() {
    let prefix = format!("t-{}", Uuid::new_v4().simple());
    let store = s3_store(&s3_endpoint(), &prefix);
    let a = spawn_app_with(Backend::Postgres, |c| c.files.store = store.clone()).await;
    let b = start(a.state.config.clone()).await;
    let guest = a.customer().await;
    let image = png(640, 480);
    let (status, up) = upload_form(&a, &guest, &[("file", Some("lobby.png"), &image)]).await;
    assert_eq!(status, 201, "{up}");
    let keys = keys_under(&prefix).await;
    assert_eq!(
        keys.len(),
        2,
        "original and thumbnail in the bucket: {keys:?}"
    );
    // B signs and serves what A stored: same secret, same database, same bucket.
    let id = up["id"].as_str().expect("id");
    let on_b = up["file_url"]
        .as_str()
        .expect("url")
        .replace(&a.url, &b.url);
    let (status, headers, body) = get(&on_b, None).await;
    assert_eq!(status, 200);
    assert_eq!(body, image);
    assert_eq!(header(&headers, "content-type"), "image/png");
    let (status, _, thumb) = get(
        &format!("{}/chat/files/{id}/thumbnail", b.url),
        Some(&guest.token),
    )
    .await;
    assert_eq!(status, 200);
    let decoded = image::load_from_memory(&thumb).expect("thumbnail");
    assert_eq!((decoded.width(), decoded.height()), (320, 240));
    let ranged = http()
        .get(format!("{}/chat/files/{id}", b.url))
        .bearer_auth(&guest.token)
        .header("range", "bytes=1-3")
        .send()
        .await
        .expect("range");
    assert_eq!(ranged.status().as_u16(), 206);
    assert_eq!(ranged.bytes().await.expect("body").as_ref(), b"PNG");
    // Refused uploads leave nothing in the bucket either.
    let (status, _) = upload_raw(&a, &guest, "x.png", b"<html><script>1</script></html>").await;
    assert_eq!(status, 415);
    assert_eq!(keys_under(&prefix).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_is_down_gives_503_while_text_messages_keep_working() {
    let prefix = format!("t-{}", Uuid::new_v4().simple());
    let a = spawn_app_with(Backend::Postgres, |c| {
        c.files.store = s3_store(&s3_endpoint(), &prefix)
    })
    .await;
    let mut config = a.state.config.clone();
    config.files.store = s3_store(&format!("http://127.0.0.1:{}", dead_port()), &prefix);
    let b = start(config).await;
    let guest = a.customer().await;
    let owner = a.owner().await;
    let room = a.room(&guest, &owner).await;
    let (status, up) = upload_raw(&a, &guest, "ok.pdf", PDF).await;
    assert_eq!(status, 201);
    let started = std::time::Instant::now();
    let (status, body) = upload_raw(&b, &guest, "down.pdf", PDF).await;
    assert_error(status, &body, 503);
    let id = up["id"].as_str().expect("id");
    let (status, _, body) = get(&format!("{}/chat/files/{id}", b.url), Some(&guest.token)).await;
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&body));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "503 must come quickly"
    );
    let (status, sent) = guest
        .api
        .raw(
            reqwest::Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room.id, "content": "still here"})),
        )
        .await
        .expect("send");
    assert_eq!(status, 201, "{sent}");
    let api_b = tigo_client::Api::new(&b.url)
        .expect("api")
        .with_token(&guest.token);
    assert_eq!(
        api_b
            .messages(room.id, "")
            .await
            .expect("history")
            .messages
            .len(),
        1
    );
}

/// The embedded setup shared the same way: two instances on one SQLite file and one folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_sqlite_file_and_one_folder_share_uploads() {
    let a = spawn_app(Backend::Sqlite).await;
    let b = start(a.state.config.clone()).await;
    let guest = a.customer().await;
    let (status, up) = upload_raw(&a, &guest, "plan.pdf", PDF).await;
    assert_eq!(status, 201);
    let on_b = up["file_url"]
        .as_str()
        .expect("url")
        .replace(&a.url, &b.url);
    let (status, _, body) = get(&on_b, None).await;
    assert_eq!(status, 200);
    assert_eq!(body, PDF);
    let id = up["id"].as_str().expect("id");
    let (status, _, _) = get(&format!("{}/chat/files/{id}", b.url), Some(&guest.token)).await;
    assert_eq!(status, 200);
}
