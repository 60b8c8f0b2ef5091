//! How much of a request the server reads: a server function's body past its limit, or a
//! text field past its own in a post with files, is refused with 413 while it streams —
//! never read whole first.

use crate::common::{demo_app, TestApp};
use app::error::AppError;
use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const MIB: usize = 1024 * 1024;

/// A multipart post to the compose form whose `body` field is `size` bytes of text, made as
/// it is read (never held whole), counting in `pulled` how much the server asked for.
/// `paced`: each chunk arrives after a pause, as from a network, and a reader takes what
/// has come; otherwise it all comes at once, as fast as the server reads.
fn huge_text_post(
    size: usize,
    pulled: Arc<AtomicUsize>,
    cookie: &str,
    paced: bool,
) -> Request<Body> {
    let boundary = "----sm-huge-field";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nHello\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n"
    );
    let chunk = Bytes::from(vec![b'a'; 64 * 1024]);
    let chunks = size / chunk.len();
    let stream = futures_util::stream::iter(
        std::iter::once(Bytes::from(head)).chain(std::iter::repeat_n(chunk, chunks)),
    )
    .then(move |bytes| {
        let pulled = pulled.clone();
        async move {
            if paced {
                tokio::task::yield_now().await;
            }
            pulled.fetch_add(bytes.len(), Ordering::SeqCst);
            Ok::<_, std::io::Error>(bytes)
        }
    });
    Request::post("/api/send_new_message_with_files")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, cookie)
        .body(Body::from_stream(stream))
        .unwrap()
}

use futures_util::StreamExt;

async fn veteran(app: &TestApp) -> String {
    app.sign_in("veteran@example.com").await
}

#[tokio::test]
async fn a_200_mb_text_field_is_refused_after_its_first_64_kib() {
    let app = demo_app(&[]).await;
    let cookie = veteran(&app).await;
    let pulled = Arc::new(AtomicUsize::new(0));
    let answer = app
        .send(huge_text_post(200 * MIB, pulled.clone(), &cookie, true))
        .await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{:?}",
        answer.refusal()
    );
    assert_eq!(answer.refusal(), AppError::TooLarge);
    let read = pulled.load(Ordering::SeqCst);
    assert!(
        read < MIB,
        "the server read {read} bytes of a 200 MB field before refusing it"
    );
    // Nothing was sent and no draft was made from the field.
    assert_eq!(
        app.count("SELECT (SELECT COUNT(*) FROM threads WHERE subject = 'Hello') + (SELECT COUNT(*) FROM drafts WHERE subject = 'Hello')")
            .await,
        0
    );
}

#[tokio::test]
async fn a_post_that_arrives_faster_than_it_is_read_is_cut_off_at_16_mib() {
    let app = demo_app(&[]).await;
    let cookie = veteran(&app).await;
    let pulled = Arc::new(AtomicUsize::new(0));
    let answer = app
        .send(huge_text_post(200 * MIB, pulled.clone(), &cookie, false))
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.refusal(), AppError::TooLarge);
    let read = pulled.load(Ordering::SeqCst);
    assert!(read <= 17 * MIB, "the server read {read} bytes");
}

#[tokio::test]
async fn a_post_that_declares_200_mb_is_refused_before_it_is_read() {
    let app = demo_app(&[]).await;
    let cookie = veteran(&app).await;
    let pulled = Arc::new(AtomicUsize::new(0));
    let mut request = huge_text_post(200 * MIB, pulled.clone(), &cookie, true);
    request
        .headers_mut()
        .insert(header::CONTENT_LENGTH, (200 * MIB).into());
    let answer = app.send(request).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(pulled.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn other_server_functions_take_at_most_64_kib() {
    let app = demo_app(&[]).await;
    let cookie = veteran(&app).await;
    let long = format!("thread_id=1&reply_key=k1&body={}", "a".repeat(100 * 1024));
    // Without a length (streamed), and with one: both refused, in the functions' encoding.
    let answer = app.call("/api/send_reply", &long, Some(&cookie)).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.refusal(), AppError::TooLarge);
    let declared = Request::post("/api/send_reply")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, long.len())
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, &cookie)
        .body(Body::from(long.clone()))
        .unwrap();
    assert_eq!(
        app.send(declared).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // A form posted without the wasm gets a page that says what happened.
    let page = app
        .post_form_from("/api/send_reply", &long, Some(&cookie), "/messages/1")
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.body.contains("Too large to send"), "{}", page.body);
    // A reply of ordinary length still goes through the limit.
    let short = "thread_id=1&reply_key=k2&body=Thank%20you";
    let answer = app.call("/api/send_reply", short, Some(&cookie)).await;
    assert_ne!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
}
