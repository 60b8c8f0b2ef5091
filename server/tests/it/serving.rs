//! How the site is served: `/pkg` files under hashed names, cached for a year and sent as
//! their brotli or gzip copies; pages compressed but never stored; live updates never
//! compressed. The whole router in process (`oneshot`), on a fresh SQLite database in demo
//! mode, with a site folder of stand-in `/pkg` files like the ones
//! `cargo leptos build --release --precompress` writes.

use crate::common::{demo_app_with, Answer, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

const JS_HASH: &str = "Jm3oVQ1bA2xqZp8R0tYw4g";
const WASM_HASH: &str = "Wa5mB9cK1dL2eM3fN4gO5h";
const CSS_HASH: &str = "Cs7sP6qR5sT4uV3wX2yZ1a";

/// The demo app (`app`) serving a site folder of its own (`site`).
struct Site {
    app: TestApp,
    site: tempfile::TempDir,
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
    writer.write_all(data).unwrap();
    drop(writer);
    out
}

fn unbrotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(data, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// A `/pkg` file with its brotli and gzip copies, as the release build leaves them.
fn write_with_copies(pkg: &Path, name: &str, data: &[u8]) {
    std::fs::write(pkg.join(name), data).unwrap();
    std::fs::write(pkg.join(format!("{name}.br")), brotli(data)).unwrap();
    std::fs::write(pkg.join(format!("{name}.gz")), gzip(data)).unwrap();
}

fn js() -> Vec<u8> {
    "export function hydrate() { console.log('secure messaging'); }\n"
        .repeat(200)
        .into_bytes()
}

fn wasm() -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend((0..20_000u32).map(|i| (i % 7) as u8));
    wasm
}

fn css() -> Vec<u8> {
    ".usa-button { color: #005ea2; }\n".repeat(300).into_bytes()
}

/// The app with hashed file names on, its hash file and `/pkg` in a temporary site folder.
async fn demo_app() -> Site {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    write_with_copies(&pkg, &format!("secure-messaging.{JS_HASH}.js"), &js());
    write_with_copies(&pkg, &format!("secure-messaging.{WASM_HASH}.wasm"), &wasm());
    write_with_copies(&pkg, &format!("secure-messaging.{CSS_HASH}.css"), &css());
    // Written by cargo-leptos beside the binary; an absolute LEPTOS_HASH_FILE_NAME here.
    let hash_file = site.path().join("hash.txt");
    std::fs::write(
        &hash_file,
        format!("js: {JS_HASH}\nwasm: {WASM_HASH}\ncss: {CSS_HASH}\n"),
    )
    .unwrap();

    let options = leptos::config::LeptosOptions::builder()
        .output_name("secure-messaging")
        .site_root(site.path().to_str().unwrap())
        .site_pkg_dir("pkg")
        .hash_files(true)
        .hash_file(Arc::from(hash_file.to_str().unwrap()))
        .build();
    server::static_files::check_site(&options).expect("the site is complete");
    let app = demo_app_with(&[], options).await;
    Site { app, site }
}

impl Site {
    /// A `GET` as a browser sends it, accepting `encodings` (none when empty).
    async fn get(&self, path: &str, encodings: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(path).header(header::ACCEPT, "*/*");
        if !encodings.is_empty() {
            request = request.header(header::ACCEPT_ENCODING, encodings);
        }
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.app.send(request.body(Body::empty()).unwrap()).await
    }

    async fn sign_in(&self, email: &str) -> String {
        self.app.sign_in(email).await
    }
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_name_the_hashed_files_which_are_cached_for_a_year_and_sent_precompressed() {
    let app = demo_app().await;
    let page = app.get("/sign-in", "", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = String::from_utf8(page.bytes).unwrap();
    let names = [
        (
            format!("secure-messaging.{JS_HASH}.js"),
            js(),
            "text/javascript",
        ),
        (
            format!("secure-messaging.{WASM_HASH}.wasm"),
            wasm(),
            "application/wasm",
        ),
        (
            format!("secure-messaging.{CSS_HASH}.css"),
            css(),
            "text/css",
        ),
    ];
    for (name, _, _) in &names {
        assert!(
            html.contains(&format!("/pkg/{name}")),
            "the page names {name}"
        );
    }
    assert!(
        !html.contains("/pkg/secure-messaging.css") && !html.contains("/pkg/secure-messaging.js"),
        "no unhashed name is left in the page"
    );

    for (name, data, content_type) in &names {
        let path = format!("/pkg/{name}");

        let br = app.get(&path, "br", None).await;
        assert_eq!(br.status, StatusCode::OK, "{path}");
        assert_eq!(br.header(header::CONTENT_ENCODING), "br", "{path}");
        assert_eq!(br.header(header::CACHE_CONTROL), IMMUTABLE, "{path}");
        assert!(
            br.header(header::CONTENT_TYPE).starts_with(content_type),
            "{path}: {}",
            br.header(header::CONTENT_TYPE)
        );
        assert!(
            br.header(header::VARY).contains("accept-encoding"),
            "{path}: {:?}",
            br.headers
        );
        assert_eq!(
            br.bytes,
            std::fs::read(app.site.path().join("pkg").join(format!("{name}.br"))).unwrap(),
            "{path}: the build's brotli copy, not compressed again"
        );
        assert_eq!(&unbrotli(&br.bytes), data, "{path}");

        // What browsers send: brotli is preferred.
        let browser = app.get(&path, "gzip, deflate, br, zstd", None).await;
        assert_eq!(browser.header(header::CONTENT_ENCODING), "br", "{path}");

        let gz = app.get(&path, "gzip", None).await;
        assert_eq!(gz.status, StatusCode::OK, "{path}");
        assert_eq!(gz.header(header::CONTENT_ENCODING), "gzip", "{path}");
        assert_eq!(gz.header(header::CACHE_CONTROL), IMMUTABLE, "{path}");
        assert_eq!(&gunzip(&gz.bytes), data, "{path}");

        let plain = app.get(&path, "", None).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert_eq!(plain.header(header::CONTENT_ENCODING), "", "{path}");
        assert_eq!(plain.header(header::CACHE_CONTROL), IMMUTABLE, "{path}");
        assert_eq!(&plain.bytes, data, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_from_an_older_build_is_not_found_and_that_is_not_cached() {
    let app = demo_app().await;
    let gone = app
        .get("/pkg/secure-messaging.OlderBuildHash0000000.js", "br", None)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.header(header::CACHE_CONTROL), "no-store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_compressed_and_never_stored() {
    let app = demo_app().await;

    let signed_out = app.get("/sign-in", "br", None).await;
    assert_eq!(signed_out.status, StatusCode::OK);
    assert_eq!(signed_out.header(header::CONTENT_ENCODING), "br");
    assert_eq!(signed_out.header(header::CACHE_CONTROL), "no-store");
    assert!(signed_out.header(header::VARY).contains("accept-encoding"));
    let html = String::from_utf8(unbrotli(&signed_out.bytes)).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("Sign in"));

    let alex = app.sign_in("veteran@example.com").await;
    let inbox = app.get("/inbox", "gzip", Some(&alex)).await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert_eq!(inbox.header(header::CONTENT_ENCODING), "gzip");
    assert_eq!(inbox.header(header::CACHE_CONTROL), "no-store");
    let html = String::from_utf8(gunzip(&inbox.bytes)).unwrap();
    assert!(html.contains("Inbox"), "{html}");

    // A client that takes no compression gets the page as it is.
    let plain = app.get("/inbox", "", Some(&alex)).await;
    assert_eq!(plain.header(header::CONTENT_ENCODING), "");
    assert!(String::from_utf8(plain.bytes).unwrap().contains("Inbox"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_download_arrives_whole_when_compressed() {
    let app = demo_app().await;
    let admin = app.sign_in("admin@example.com").await;
    // Something in the log beyond the sign-in, so the export has lines to stream.
    app.get("/admin/audit", "", Some(&admin)).await;
    for encoding in ["br", "gzip", ""] {
        let csv = app
            .get("/api/admin_audit_csv", encoding, Some(&admin))
            .await;
        assert_eq!(csv.status, StatusCode::OK, "with {encoding:?}");
        assert_eq!(csv.header(header::CONTENT_ENCODING), encoding);
        let body = match encoding {
            "br" => unbrotli(&csv.bytes),
            "gzip" => gunzip(&csv.bytes),
            _ => csv.bytes,
        };
        let text = String::from_utf8(body).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("When,Person,On behalf of,Patient,Action,Action code,About,Outcome,From address,Details")
        );
        assert!(
            lines.any(|line| line.contains("Viewed the audit log")),
            "with {encoding:?}: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_updates_are_never_compressed() {
    let app = demo_app().await;
    let alex = app.sign_in("veteran@example.com").await;
    let request = Request::get("/events")
        .header(header::ACCEPT, "text/event-stream")
        .header(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")
        .header(header::COOKIE, &alex)
        .body(Body::empty())
        .unwrap();
    // Headers only: the stream itself never ends.
    let response = tokio::time::timeout(
        Duration::from_secs(30),
        app.app.router.clone().oneshot(request),
    )
    .await
    .expect("the stream answers at once")
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert!(headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream")));
    assert!(
        headers.get(header::CONTENT_ENCODING).is_none(),
        "live updates go out uncompressed: {headers:?}"
    );
    assert_eq!(
        headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

#[test]
fn hashing_on_without_its_hash_file_refuses_to_start() {
    let site = tempfile::tempdir().unwrap();
    let missing = site.path().join("hash.txt");
    let options = leptos::config::LeptosOptions::builder()
        .output_name("secure-messaging")
        .site_root(site.path().to_str().unwrap())
        .hash_files(true)
        .hash_file(Arc::from(missing.to_str().unwrap()))
        .build();
    let error = server::static_files::check_site(&options).unwrap_err();
    assert!(error.contains("LEPTOS_HASH_FILES"), "{error}");
    assert!(error.contains(missing.to_str().unwrap()), "{error}");
}
