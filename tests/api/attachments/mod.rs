//! Attachments end to end: uploads, downloads, signed URLs, sending, retention, hostile input,
//! and the S3-compatible store (moto, started by scripts/services.sh) shared by two instances.

mod basics;
mod hostile;
mod retention;
pub(crate) mod s3;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use reqwest::header::HeaderMap;
use serde_json::Value;
use tigo_server::files::StoreSpec;

use crate::helpers::{TestApp, TestUser};

/// A PNG of `w`×`h` pixels.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

/// A JPEG carrying an EXIF block with a GPS position, as phones write them.
pub fn jpeg_with_gps(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([10, 120, 200]));
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode jpeg");
    let plain = out.into_inner();
    // APP1 "Exif\0\0" right after SOI; the payload names a GPS IFD with a position in it.
    let payload = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude 48.137154 GPSLongitude 11.576124";
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    jpeg.extend_from_slice(payload);
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

/// A portrait photo as phones store it: the pixels landscape (`w` × `h`) and an EXIF
/// Orientation of 6 (turn 90° clockwise to show it).
pub fn jpeg_sideways(w: u32, h: u32) -> Vec<u8> {
    use image::ImageEncoder;
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([10, 120, 200]));
    // A little-endian TIFF header and one IFD holding Orientation (0x0112, SHORT) = 6.
    let exif = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0".to_vec();
    let mut out = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new(&mut out);
    encoder.set_exif_metadata(exif).expect("exif");
    encoder
        .write_image(&img, w, h, image::ExtendedColorType::Rgb8)
        .expect("encode jpeg");
    out
}

pub const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// A multipart body with the given parts: (name, filename, bytes).
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "tigoBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match filename {
            Some(f) => {
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n")
            }
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"Content-Type: image/png\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Status and JSON of a multipart upload.
pub async fn upload_form(
    app: &TestApp,
    user: &TestUser,
    parts: &[(&str, Option<&str>, &[u8])],
) -> (u16, Value) {
    let (content_type, body) = multipart(parts);
    let resp = http()
        .post(format!("{}/chat/uploads", app.url))
        .bearer_auth(&user.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Status and JSON of a raw upload named `name`.
pub async fn upload_raw(app: &TestApp, user: &TestUser, name: &str, bytes: &[u8]) -> (u16, Value) {
    let resp = http()
        .post(format!("{}/chat/uploads", app.url))
        .bearer_auth(&user.token)
        .header("content-type", "application/octet-stream")
        .header("x-file-name", name)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("upload");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A plain GET (as `<img src>` does: no headers), or with a bearer token.
pub async fn get(url: &str, token: Option<&str>) -> (u16, HeaderMap, Vec<u8>) {
    let mut req = http().get(url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.expect("download");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.expect("body").to_vec())
}

pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The folder of an app's local file store.
pub fn folder(app: &TestApp) -> PathBuf {
    match &app.state.config.files.store {
        StoreSpec::Local(path) => path.clone(),
        StoreSpec::S3(_) => panic!("not a local store"),
    }
}

/// Every file under `dir`, recursively.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_in(&path));
        } else {
            found.push(path);
        }
    }
    found
}
