//! Attachment routes, through the whole router with `oneshot`: uploads onto a
//! draft (multipart), downloads by thread participants only, the content and size rules,
//! the 413 cut-off, tampering and the virus-scanner hook. Demo mode on a fresh SQLite file,
//! with the files in a temporary directory.

use crate::common::{demo_app, Answer, Multipart, TestApp};
use app::messages::ssr as messaging;
use app::messages::{Category, DraftInput, NewMessage};
use app::server::access::trusted;
use app::server::users;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::codec::PostcardEncoding;
use leptos::server_fn::Decodes;

/// A multipart form with one `file` part per (name, bytes).
fn multipart(files: &[(&str, &[u8])]) -> Multipart {
    files.iter().fold(Multipart::new(), |form, (name, bytes)| {
        form.file("file", name, "application/octet-stream", bytes)
    })
}

impl TestApp {
    async fn upload(&self, cookie: &str, draft_id: i64, files: &[(&str, &[u8])]) -> Answer {
        let path = format!("/attachments/drafts/{draft_id}");
        self.call_multipart(&path, multipart(files), Some(cookie))
            .await
    }

    async fn download(&self, cookie: &str, id: &str) -> Answer {
        let request = Request::get(format!("/attachments/{id}"))
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// A download by a browser, which takes brotli and gzip.
    async fn download_compressible(&self, cookie: &str, id: &str) -> Answer {
        let request = Request::get(format!("/attachments/{id}"))
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// A new compose draft of Alex's to Primary Care.
    async fn alex_draft(&self) -> i64 {
        let alex = self.person("veteran@example.com").await;
        let can = trusted::messaging(alex.clone()).unwrap();
        messaging::save_draft(
            &self.state.db,
            &can,
            alex.id,
            &DraftInput {
                draft_id: None,
                thread_id: None,
                care_team_id: Some(self.primary_care().await),
                category: Some(Category::TestResults),
                subject: "Lab results".to_string(),
                body: "My results are attached.".to_string(),
            },
        )
        .await
        .unwrap()
        .draft_id
    }

    async fn send_draft(&self, draft_id: i64) {
        let alex = self.person("veteran@example.com").await;
        let can = trusted::messaging(alex.clone()).unwrap();
        messaging::send_message(
            &self.state.db,
            &can,
            alex.id,
            &NewMessage {
                care_team_id: Some(self.primary_care().await),
                category: Some(Category::TestResults),
                subject: "Lab results".to_string(),
                body: "My results are attached.".to_string(),
                client_key: uuid::Uuid::new_v4().to_string(),
                draft_id: Some(draft_id),
            },
        )
        .await
        .unwrap();
    }

    async fn person(&self, email: &str) -> app::auth::SignedInUser {
        users::credentials_by_email(&self.state.db.pool, email)
            .await
            .unwrap()
            .unwrap()
            .user
    }

    async fn primary_care(&self) -> i64 {
        sqlx::query_scalar("SELECT id FROM care_teams WHERE name = 'Primary Care – Blue Team'")
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap()
    }

    async fn rows(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM attachments")
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap()
    }
}

fn ids(answer: &Answer) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_slice(&answer.bytes).unwrap();
    json["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

fn refused(answer: &Answer) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_slice(&answer.bytes).unwrap();
    json["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

fn pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend((0..200_000u32).map(|i| (i % 251) as u8));
    pdf
}

fn png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..5_000u32).map(|i| (i % 13) as u8));
    png
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_downloads_the_same_bytes_and_another_veteran_gets_404() {
    let app = demo_app(&[]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let draft = app.alex_draft().await;
    let (pdf, png) = (pdf(), png());
    let answer = app
        .upload(
            &alex,
            draft,
            &[("../../Lab results.pdf", &pdf), ("rash.png", &png)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let uploaded = ids(&answer);
    assert_eq!(uploaded.len(), 2);
    assert!(
        answer.body.contains("\"name\":\"Lab results.pdf\""),
        "{}",
        answer.body
    );
    // Storage keys are the server's ids, never the name.
    assert!(uploaded
        .iter()
        .all(|id| id.len() == 32 && !id.contains("Lab")));

    // While a draft, only Alex can fetch them.
    let morgan = app.sign_in("clinician@example.com").await;
    assert_eq!(
        app.download(&morgan, &uploaded[0]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.download(&alex, &uploaded[0]).await.bytes, pdf);

    app.send_draft(draft).await;
    let got = app.download(&morgan, &uploaded[0]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.bytes, pdf, "the clinician gets the same bytes");
    assert_eq!(got.header("content-type"), "application/pdf");
    assert_eq!(
        got.header("content-disposition"),
        "attachment; filename=\"Lab results.pdf\"; filename*=UTF-8''Lab%20results.pdf"
    );
    assert_eq!(got.header("x-content-type-options"), "nosniff");
    assert_eq!(got.header("cache-control"), "no-store");
    let image = app.download(&morgan, &uploaded[1]).await;
    assert_eq!(image.bytes, png);
    assert_eq!(image.header("content-type"), "image/png");

    // The thread shows each file with its type and size, linking to the download, to the
    // Veteran and to the team.
    let thread_id: i64 = sqlx::query_scalar(
        "SELECT m.thread_id FROM attachments a JOIN messages m ON m.id = a.message_id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    for (cookie, page) in [
        (&alex, format!("/messages/{thread_id}")),
        (&morgan, format!("/team/threads/{thread_id}")),
    ] {
        let request = Request::get(&page)
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, cookie.as_str())
            .body(Body::empty())
            .unwrap();
        let html = app.send(request).await.body;
        assert!(
            html.contains(&format!("href=\"/attachments/{}\"", uploaded[0])),
            "{page}: link"
        );
        assert!(html.contains(">Lab results.pdf</a>"), "{page}: name");
        assert!(html.contains("(PDF, 196 KB)"), "{page}: type and size");
        assert!(html.contains("(PNG image, 5 KB)"), "{page}: image");
        assert!(
            html.contains(&format!("src=\"/attachments/{}\"", uploaded[1])),
            "{page}: image preview"
        );
    }
    let morgan_reads: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'attachment_downloaded'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        morgan_reads, 4,
        "rendering the page downloads nothing by itself"
    );

    let jordan = app.sign_in("veteran2@example.com").await;
    let refused = app.download(&jordan, &uploaded[0]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(!refused.body.contains("Lab results"));
    // Not signed in: sent to sign in, never the file.
    let anonymous = app
        .send(
            Request::get(format!("/attachments/{}", uploaded[0]))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_ne!(anonymous.status, StatusCode::OK);
    assert_ne!(anonymous.bytes, pdf);

    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'attachment_downloaded'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 5, "every download and refusal is audited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_file_types_download_as_they_are_and_text_is_compressed() {
    let app = demo_app(&[]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let draft = app.alex_draft().await;
    let (pdf, png) = (pdf(), png());
    let text = "Blood pressure 120/80, pulse 64.\n"
        .repeat(2_000)
        .into_bytes();
    let answer = app
        .upload(
            &alex,
            draft,
            &[
                ("results.pdf", &pdf),
                ("rash.png", &png),
                ("log.txt", &text),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let uploaded = ids(&answer);

    // PDFs and images are compressed already: sent as they are, whole.
    for (id, bytes) in [(&uploaded[0], &pdf), (&uploaded[1], &png)] {
        let got = app.download_compressible(&alex, id).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(
            got.header("content-encoding"),
            "",
            "{}",
            got.header("content-type")
        );
        assert_eq!(&got.bytes, bytes);
        assert_eq!(got.header("cache-control"), "no-store");
    }
    // Text shrinks: compressed, and the same bytes once decompressed.
    let got = app.download_compressible(&alex, &uploaded[2]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-encoding"), "br");
    assert_eq!(got.header("cache-control"), "no-store");
    assert!(got.bytes.len() < text.len() / 10);
    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut brotli::Decompressor::new(&got.bytes[..], 4096),
        &mut plain,
    )
    .unwrap();
    assert_eq!(plain, text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_own_upload_gets_its_answer_as_postcard() {
    let app = demo_app(&[]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let draft = app.alex_draft().await;
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xffThis program".to_vec();
    let answer = app
        .call_multipart_accepting(
            &format!("/attachments/drafts/{draft}"),
            multipart(&[("Lab results.pdf", &pdf()), ("scan.exe", &exe)]),
            Some(&alex),
            app::ui::POSTCARD,
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.header("content-type"), app::ui::POSTCARD);
    let decoded = app::attachments::UploadAnswer::from_postcard(&answer.bytes)
        .expect("the answer decodes as the page reads it");
    let names: Vec<&str> = decoded.accepted.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Lab results.pdf"]);
    assert_eq!(decoded.refused.len(), 1, "{:?}", decoded.refused);
    assert!(
        decoded.refused[0].contains("scan.exe"),
        "{:?}",
        decoded.refused
    );
    assert_eq!(app.rows().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_program_and_a_wrong_type_are_refused_and_nothing_is_kept() {
    let app = demo_app(&[]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let draft = app.alex_draft().await;
    let exe =
        b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xffThis program cannot be run in DOS mode".to_vec();
    let answer = app
        .upload(
            &alex,
            draft,
            &[
                ("scan.exe", &exe),
                ("scan.pdf", &exe),
                ("notes.txt", b"caf\xe9"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused(&answer),
        vec![
            "scan.exe: this file type isn't allowed",
            "scan.pdf: the content isn't a PDF file",
            "notes.txt: this isn't a plain text file",
        ]
    );
    assert_eq!(app.rows().await, 0);
    assert!(app.state.attachments.stored_ids().await.unwrap().is_empty());
    // The good file in the same upload is kept.
    let answer = app
        .upload(&alex, draft, &[("scan.exe", &exe), ("good.pdf", &pdf())])
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ids(&answer).len(), 1);
    assert_eq!(app.rows().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_over_the_limits_are_refused_and_a_huge_request_is_cut_off_with_413() {
    let app = demo_app(&[]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let draft = app.alex_draft().await;
    let mut big = pdf();
    big.resize(7 * 1024 * 1024, b'x');
    let answer = app.upload(&alex, draft, &[("big.pdf", &big)]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused(&answer), vec!["big.pdf is 7 MB; the limit is 6 MB"]);

    let small = pdf();
    let five: Vec<(&str, &[u8])> = ["1.pdf", "2.pdf", "3.pdf", "4.pdf", "5.pdf"]
        .iter()
        .map(|name| (*name, small.as_slice()))
        .collect();
    let answer = app.upload(&alex, draft, &five).await;
    assert_eq!(
        refused(&answer),
        vec!["5.pdf: a message can have at most 4 files"]
    );
    assert_eq!(app.rows().await, 4);

    // Past the 10 MiB request limit: 413 with a clear message, nothing from it kept.
    let other = app.alex_draft().await;
    let mut six = pdf();
    six.resize(6 * 1024 * 1024 - 10, b'y');
    let answer = app
        .upload(&alex, other, &[("a.pdf", &six), ("b.pdf", &six)])
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        answer.body.contains("the limit is 10 MB"),
        "{}",
        answer.body
    );
    assert_eq!(app.rows().await, 4, "nothing from the cut-off request");
    assert_eq!(app.state.attachments.stored_ids().await.unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_persons_draft_and_a_tampered_file_are_refused() {
    let app = demo_app(&[]).await;
    let draft = app.alex_draft().await;
    let jordan = app.sign_in("veteran2@example.com").await;
    let answer = app.upload(&jordan, draft, &[("x.pdf", &pdf())]).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(app.rows().await, 0);

    let alex = app.sign_in("veteran@example.com").await;
    let answer = app.upload(&alex, draft, &[("x.pdf", &pdf())]).await;
    let id = ids(&answer).remove(0);
    // Flip one byte of the stored file on disk.
    let path = app.dir().join("files").join("attachments").join(&id);
    let mut stored = std::fs::read(&path).unwrap();
    stored[100] ^= 1;
    std::fs::write(&path, stored).unwrap();
    let answer = app.download(&alex, &id).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(answer.body.contains("failed its integrity check"));
    assert!(!answer.bytes.windows(8).any(|w| w == b"%PDF-1.7"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_scanner_configured_only_clean_files_are_kept() {
    // A real scanner process: refuses files holding the EICAR marker (exit 1), and fails
    // (exit 2) on files named in its "broken" list.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("scan.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$1\" >> {}/scanned\n\
             grep -q BROKEN \"$1\" && exit 2\ngrep -q EICAR \"$1\" && exit 1\nexit 0\n",
            dir.path().display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let command = script.to_str().unwrap().to_string();
    let app = demo_app(&["--scan-command", &command]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let draft = app.alex_draft().await;
    let answer = app
        .upload(
            &alex,
            draft,
            &[
                ("clean.txt", b"all good"),
                ("virus.txt", b"X5O!P%@AP EICAR test"),
                ("odd.txt", b"BROKEN scanner"),
            ],
        )
        .await;
    assert_eq!(
        refused(&answer),
        vec![
            "virus.txt: this file didn't pass the virus check",
            "odd.txt: we couldn't check this file for viruses right now; try again later",
        ]
    );
    assert_eq!(ids(&answer).len(), 1);
    // The scanner saw a plain copy of each file, in the app's own owner-only scanning
    // directory (not the shared temporary one); none is left behind.
    let scanning = app.dir().join("files").join("scanning");
    let scanned = std::fs::read_to_string(dir.path().join("scanned")).unwrap();
    assert_eq!(scanned.lines().count(), 3);
    for path in scanned.lines() {
        assert_eq!(
            std::path::Path::new(path).parent(),
            Some(scanning.as_path())
        );
        assert!(!std::path::Path::new(path).exists(), "{path} left behind");
    }
    let mode = std::fs::metadata(&scanning).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    // What a killed process left there is gone at the next start, and a directory made
    // wider meanwhile is owner-only again.
    std::fs::write(
        scanning.join("sm-scan-left-by-a-crash"),
        b"plain health information",
    )
    .unwrap();
    std::fs::create_dir(scanning.join("stray")).unwrap();
    std::fs::set_permissions(&scanning, std::fs::Permissions::from_mode(0o755)).unwrap();
    let options = leptos::config::LeptosOptions::builder()
        .output_name("secure-messaging")
        .build();
    server::build_state(&app.settings, options).await.unwrap();
    assert_eq!(std::fs::read_dir(&scanning).unwrap().count(), 0);
    let mode = std::fs::metadata(&scanning).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    // A scanner that cannot even start refuses everything (fail closed).
    let app = demo_app(&["--scan-command", "/nonexistent/scanner"]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let draft = app.alex_draft().await;
    let answer = app
        .upload(&alex, draft, &[("clean.txt", b"all good")])
        .await;
    assert_eq!(
        refused(&answer),
        vec!["clean.txt: we couldn't check this file for viruses right now; try again later"]
    );
    assert_eq!(app.rows().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drafts_files_are_listed_and_removed_by_their_author_only() {
    let app = demo_app(&[]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let jordan = app.sign_in("veteran2@example.com").await;
    let draft = app.alex_draft().await;
    let answer = app
        .upload(&alex, draft, &[("a.pdf", &pdf()), ("b.png", &png())])
        .await;
    let uploaded = ids(&answer);
    let list = |cookie: String| {
        Request::get(format!("/attachments/drafts/{draft}"))
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap()
    };
    let listed = app.send(list(alex.clone())).await;
    assert_eq!(listed.status, StatusCode::OK);
    let names: Vec<String> = serde_json::from_slice::<Vec<serde_json::Value>>(&listed.bytes)
        .unwrap()
        .iter()
        .map(|file| file["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["a.pdf", "b.png"]);
    assert_eq!(
        app.send(list(jordan.clone())).await.status,
        StatusCode::NOT_FOUND
    );

    let remove = |cookie: &str, id: &str| {
        Request::post(format!("/attachments/{id}/remove"))
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        app.send(remove(&jordan, &uploaded[0])).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.send(remove(&alex, &uploaded[0])).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.rows().await, 1);
    assert_eq!(
        app.state.attachments.stored_ids().await.unwrap(),
        vec![uploaded[1].clone()]
    );
    // A sent file is part of the record: it cannot be removed.
    app.send_draft(draft).await;
    assert_eq!(
        app.send(remove(&alex, &uploaded[1])).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.rows().await, 1);
}

/// A multipart form as the compose form posts it without the wasm: text fields, then the
/// files (an empty, nameless part when none was chosen), then the button pressed.
fn compose_form(
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
    button: Option<&str>,
) -> Multipart {
    let mut form = Multipart::new();
    for (name, value) in fields {
        form = form.text(name, value);
    }
    let none: [(&str, &[u8]); 1] = [("", b"")];
    for (name, bytes) in if files.is_empty() { &none[..] } else { files } {
        form = form.file("file", name, "application/octet-stream", bytes);
    }
    if let Some(button) = button {
        form = form.text(button, "yes");
    }
    form
}

fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

impl TestApp {
    async fn post_compose(&self, cookie: &str, form: Multipart) -> Answer {
        self.post_multipart("/api/send_new_message_with_files", form, Some(cookie))
            .await
    }

    async fn messages_with_subject(&self, subject: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM threads WHERE subject = $1")
            .bind(subject)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_wasm_compose_posts_files_with_the_text_and_a_refusal_sends_nothing() {
    let app = demo_app(&[]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let team = app.primary_care().await.to_string();
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xffThis program cannot be run".to_vec();
    let key = uuid::Uuid::new_v4().to_string();
    let fields = |draft: &str| {
        vec![
            ("client_key", key.clone()),
            ("draft_id", draft.to_string()),
            ("care_team", team.clone()),
            ("category", Category::TestResults.as_str().to_string()),
            ("subject", "Discharge papers".to_string()),
            ("body", "Attached, as asked.".to_string()),
        ]
    };
    let as_refs =
        |fields: &[(&'static str, String)]| -> Vec<(&'static str, String)> { fields.to_vec() };
    let first = as_refs(&fields(""));
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // A refused file: back to the form (the typed fields kept under `kept=`, the draft
    // named), the good file kept on a new draft, nothing sent.
    let answer = app
        .post_compose(
            &alex,
            compose_form(
                &first,
                &[("discharge.pdf", &pdf()), ("invoice.pdf", &exe)],
                None,
            ),
        )
        .await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    let back = answer.header("location").to_string();
    assert!(back.starts_with("/messages/new?kept="), "{back}");
    // The refusal is kept in the session, named in the redirect, for the page to show at
    // "Attach file".
    assert_posted_error_named(&back);
    let page = app.get(&back, Some(&alex)).await;
    assert!(
        page.body
            .contains("invoice.pdf: the content isn't a PDF file"),
        "{}",
        page.body
    );
    let draft: i64 = back
        .split("draft=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .and_then(|id| id.parse().ok())
        .expect("the draft is named");
    assert_eq!(app.messages_with_subject("Discharge papers").await, 0);
    assert_eq!(app.rows().await, 1);

    // Sent again with nothing chosen: the draft's file goes with the message.
    let again = fields(&draft.to_string());
    let again = pairs(&again);
    let answer = app
        .post_compose(&alex, compose_form(&again, &[], None))
        .await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    assert!(answer.header("location").starts_with("/messages/"));
    assert!(
        !answer.header("location").contains("new"),
        "{}",
        answer.header("location")
    );
    assert_eq!(app.messages_with_subject("Discharge papers").await, 1);
    let linked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attachments WHERE message_id IS NOT NULL AND draft_id IS NULL",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(linked, 1);

    // "Save draft" with a file: the draft page comes back with the file on the draft.
    let saving = fields("");
    let saving = pairs(&saving);
    let answer = app
        .post_compose(
            &alex,
            compose_form(&saving, &[("rash.png", &png())], Some("save_draft")),
        )
        .await;
    let location = answer.header("location").to_string();
    assert!(location.starts_with("/messages/new?draft="), "{location}");
    let on_draft: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE draft_id = $1")
        .bind(
            location
                .trim_start_matches("/messages/new?draft=")
                .parse::<i64>()
                .unwrap(),
        )
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(on_draft, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_wasm_remove_takes_the_file_off_the_draft_and_keeps_the_text() {
    let app = demo_app(&[]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let jordan = app.sign_in("veteran2@example.com").await;
    let team = app.primary_care().await.to_string();
    let fields = |draft: &str, body: &str| {
        vec![
            ("client_key", uuid::Uuid::new_v4().to_string()),
            ("draft_id", draft.to_string()),
            ("care_team", team.clone()),
            ("category", Category::TestResults.as_str().to_string()),
            ("subject", "Rash photo".to_string()),
            ("body", body.to_string()),
        ]
    };
    let saving = fields("", "A photo of the rash.");
    let answer = app
        .post_compose(
            &alex,
            compose_form(&pairs(&saving), &[("rash.png", &png())], Some("save_draft")),
        )
        .await;
    let draft: i64 = answer
        .header("location")
        .trim_start_matches("/messages/new?draft=")
        .parse()
        .expect("the draft page");
    let file: String = sqlx::query_scalar("SELECT id FROM attachments WHERE draft_id = $1")
        .bind(draft)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();

    // Another Veteran naming Alex's file removes nothing of Alex's.
    let mut theirs = fields("", "Not my file.");
    theirs.push(("remove_file", file.clone()));
    app.post_compose(&jordan, compose_form(&pairs(&theirs), &[], None))
        .await;
    assert_eq!(app.rows().await, 1);

    // "Remove" posts the form with what was typed since: the file goes, the text is saved
    // on the draft, and the draft page comes back. Nothing is sent.
    let mut removing = fields(&draft.to_string(), "Changed my mind about the photo.");
    removing.push(("remove_file", file.clone()));
    let answer = app
        .post_compose(&alex, compose_form(&pairs(&removing), &[], None))
        .await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    assert_eq!(
        answer.header("location"),
        format!("/messages/new?draft={draft}")
    );
    assert_eq!(app.rows().await, 0);
    let body: String = sqlx::query_scalar("SELECT body FROM drafts WHERE id = $1")
        .bind(draft)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(body, "Changed my mind about the photo.");
    assert_eq!(app.messages_with_subject("Rash photo").await, 0);
}

// ---- A care team member's files on their reply (clinicians attach files too) ----

impl TestApp {
    /// Alex's most recent thread with Primary Care (Morgan's and Casey's team).
    async fn alex_primary_care_thread(&self) -> i64 {
        let alex = self.person("veteran@example.com").await;
        sqlx::query_scalar(
            "SELECT id FROM threads WHERE veteran_id = $1 AND team_id = $2 \
             ORDER BY last_message_at DESC LIMIT 1",
        )
        .bind(alex.id)
        .bind(self.primary_care().await)
        .fetch_one(&self.state.db.pool)
        .await
        .unwrap()
    }

    /// The person's reply draft in the thread, as attaching the first file makes it.
    async fn team_reply_draft(&self, cookie: &str, thread: i64) -> Answer {
        let form = format!("thread_id={thread}");
        self.call("/api/team_reply_draft_for_files", &form, Some(cookie))
            .await
    }

    async fn list_draft(&self, cookie: &str, draft: i64) -> Answer {
        let request = Request::get(format!("/attachments/drafts/{draft}"))
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    async fn remove_file(&self, cookie: &str, id: &str) -> Answer {
        let request = Request::post(format!("/attachments/{id}/remove"))
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// The team's "Reply" form, posted as the browser posts it (multipart).
    async fn post_team_reply(&self, cookie: &str, form: Multipart) -> Answer {
        self.post_multipart("/api/team_send_reply_with_files", form, Some(cookie))
            .await
    }

    async fn messages_in(&self, thread: i64) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE thread_id = $1")
            .bind(thread)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap()
    }

    /// Moves the person from Primary Care to Pharmacy: a clinician of another team now.
    async fn move_to_pharmacy(&self, email: &str) {
        let person = self.person(email).await;
        sqlx::query(
            "UPDATE team_members SET team_id = (SELECT id FROM care_teams WHERE name = 'Pharmacy') \
             WHERE user_id = $1",
        )
        .bind(person.id)
        .execute(&self.state.db.pool)
        .await
        .unwrap();
    }
}

/// A refused plain form post's redirect names its error (`__err`) by a token only: the
/// error itself stays in the session.
fn assert_posted_error_named(location: &str) {
    let token = location
        .split("__err=")
        .nth(1)
        .expect("an error")
        .split('&')
        .next()
        .unwrap_or("");
    assert!(
        token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "{location}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinician_attaches_to_a_team_reply_and_the_veteran_downloads_the_same_bytes() {
    let app = demo_app(&[]).await;
    let casey = app.sign_in("nurse@example.com").await;
    let morgan = app.sign_in("clinician@example.com").await;
    let alex = app.sign_in("veteran@example.com").await;
    let sam = app.sign_in("caregiver@example.com").await;
    let jordan = app.sign_in("veteran2@example.com").await;
    let riley = app.sign_in("admin@example.com").await;
    let thread = app.alex_primary_care_thread().await;

    // Attaching the first file makes Casey's reply draft; she uploads onto it.
    let made = app.team_reply_draft(&casey, thread).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    // The draft's id, decoded as the page's server-function client decodes it.
    let draft: i64 = PostcardEncoding::decode(made.bytes.clone().into()).expect("the draft's id");
    let plan = pdf();
    let answer = app
        .upload(
            &casey,
            draft,
            &[("care plan.pdf", &plan), ("setup.exe", b"MZ..")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused(&answer),
        vec!["setup.exe: this file type isn't allowed"]
    );
    let kept = ids(&answer);
    assert_eq!(kept.len(), 1);
    let listed = app.list_draft(&casey, draft).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(listed.body.contains("\"name\":\"care plan.pdf\""));
    assert_eq!(app.download(&casey, &kept[0]).await.bytes, plan);

    // The thread page lists it again, with "Remove", under the reply box.
    let html = app
        .get(&format!("/team/threads/{thread}"), Some(&casey))
        .await
        .body;
    assert!(
        html.contains("aria-label=\"Remove care plan.pdf\""),
        "{html}"
    );
    assert!(html.contains(">Attach file</label>"));

    // Until sent, nobody else reaches it: not a colleague, not the Veteran's side, not an
    // administrator, not (below) a clinician of another team.
    for (who, cookie) in [
        ("Morgan", &morgan),
        ("Alex", &alex),
        ("Sam", &sam),
        ("Jordan", &jordan),
    ] {
        assert_eq!(
            app.download(cookie, &kept[0]).await.status,
            StatusCode::NOT_FOUND,
            "{who}: download"
        );
        assert_eq!(
            app.list_draft(cookie, draft).await.status,
            StatusCode::NOT_FOUND,
            "{who}: list"
        );
        assert_eq!(
            app.upload(cookie, draft, &[("x.pdf", &pdf())]).await.status,
            StatusCode::NOT_FOUND,
            "{who}: upload"
        );
        assert_eq!(
            app.remove_file(cookie, &kept[0]).await.status,
            StatusCode::NOT_FOUND,
            "{who}: remove"
        );
    }
    assert_eq!(
        app.upload(&riley, draft, &[("x.pdf", &pdf())]).await.status,
        StatusCode::FORBIDDEN
    );
    app.move_to_pharmacy("clinician@example.com").await;
    assert_eq!(
        app.team_reply_draft(&morgan, thread).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.list_draft(&morgan, draft).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.upload(&morgan, draft, &[("x.pdf", &pdf())])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.remove_file(&morgan, &kept[0]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.rows().await, 1);
    // The Veteran's Drafts page knows nothing of it.
    let drafts = app.get("/drafts", Some(&alex)).await.body;
    assert!(drafts.contains("You have no drafts."), "{drafts}");

    // "Reply" sends it with the text (the form's post, with the wasm: no files in it).
    let before = app.messages_in(thread).await;
    let key = uuid::Uuid::new_v4().to_string();
    let fields = [
        ("thread_id", thread.to_string()),
        ("reply_key", key),
        ("body", "Your care plan is attached.".to_string()),
    ];
    let answer = app
        .post_team_reply(&casey, compose_form(&pairs(&fields), &[], None))
        .await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    assert_eq!(
        answer.header("location"),
        format!("/team/threads/{thread}?done=replied")
    );
    assert_eq!(app.messages_in(thread).await, before + 1);
    // The Veteran and the caregiver open it and get the same bytes; the page shows it.
    for cookie in [&alex, &sam] {
        let got = app.download(cookie, &kept[0]).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.bytes, plan);
        assert_eq!(
            got.header("content-disposition"),
            "attachment; filename=\"care plan.pdf\"; filename*=UTF-8''care%20plan.pdf"
        );
    }
    let html = app
        .get(&format!("/messages/{thread}"), Some(&alex))
        .await
        .body;
    assert!(html.contains(&format!("href=\"/attachments/{}\"", kept[0])));
    assert_eq!(
        app.download(&jordan, &kept[0]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.download(&morgan, &kept[0]).await.status,
        StatusCode::NOT_FOUND,
        "Morgan is on another team now"
    );
    // The draft is done; the sent file stays, as part of the record.
    assert_eq!(
        app.remove_file(&casey, &kept[0]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.list_draft(&casey, draft).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_wasm_a_team_reply_posts_its_files_and_a_refusal_keeps_the_text() {
    let app = demo_app(&[]).await;
    let casey = app.sign_in("nurse@example.com").await;
    let alex = app.sign_in("veteran@example.com").await;
    let thread = app.alex_primary_care_thread().await;
    let before = app.messages_in(thread).await;
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xffThis program cannot be run".to_vec();
    let text = "Here is your plan.\nCall us with questions.";
    let fields = |body: &str| {
        vec![
            ("thread_id", thread.to_string()),
            ("reply_key", uuid::Uuid::new_v4().to_string()),
            ("body", body.to_string()),
        ]
    };

    // A refused file: back to the thread with the refusal and the text kept; the good
    // file is kept on Casey's reply draft; nothing is sent.
    let first = fields(text);
    let answer = app
        .post_team_reply(
            &casey,
            compose_form(
                &pairs(&first),
                &[("plan.pdf", &pdf()), ("plan2.pdf", &exe)],
                None,
            ),
        )
        .await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    let back = answer.header("location").to_string();
    assert!(
        back.starts_with(&format!("/team/threads/{thread}?kept=")),
        "{back}"
    );
    assert_posted_error_named(&back);
    assert_eq!(app.messages_in(thread).await, before);
    assert_eq!(app.rows().await, 1);
    let html = app.get(&back, Some(&casey)).await.body;
    assert!(
        html.contains("plan2.pdf: the content isn't a PDF file"),
        "the refusal"
    );
    assert!(
        html.contains("Here is your plan.\nCall us with questions."),
        "the text"
    );
    assert!(html.contains("plan2.pdf: the content isn"), "the refusal");
    assert!(
        html.contains("aria-label=\"Remove plan.pdf\""),
        "the kept file"
    );

    // "Remove" posts the form naming the file: it goes, the text comes back.
    let file: String = sqlx::query_scalar("SELECT id FROM attachments")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let mut removing = fields("Only the text now.");
    removing.push(("remove_file", file.clone()));
    let answer = app
        .post_team_reply(&casey, compose_form(&pairs(&removing), &[], None))
        .await;
    let back = answer.header("location").to_string();
    assert!(
        back.starts_with(&format!("/team/threads/{thread}?kept=")),
        "{back}"
    );
    assert!(!back.contains("__err"), "{back}");
    assert_eq!(app.rows().await, 0);
    let html = app.get(&back, Some(&casey)).await.body;
    let main = html.split("<main").nth(1).unwrap_or(&html);
    assert!(
        html.contains("Only the text now."),
        "the text is back at {back}; the page's main: {}",
        main.chars().take(1500).collect::<String>()
    );
    assert_eq!(app.messages_in(thread).await, before);

    // A clinician of another team posting files to the thread keeps nothing.
    let morgan = app.sign_in("clinician@example.com").await;
    app.move_to_pharmacy("clinician@example.com").await;
    let theirs = fields("Not my thread any more.");
    let answer = app
        .post_team_reply(
            &morgan,
            compose_form(&pairs(&theirs), &[("x.pdf", &pdf())], None),
        )
        .await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    assert_eq!(app.rows().await, 0);
    assert_eq!(app.messages_in(thread).await, before);

    // The files and the text in one post: sent together.
    let sending = fields("The plan, attached.");
    let answer = app
        .post_team_reply(
            &casey,
            compose_form(&pairs(&sending), &[("plan.pdf", &pdf())], None),
        )
        .await;
    assert_eq!(
        answer.header("location"),
        format!("/team/threads/{thread}?done=replied")
    );
    assert_eq!(app.messages_in(thread).await, before + 1);
    let sent: String = sqlx::query_scalar(
        "SELECT a.id FROM attachments a JOIN messages m ON m.id = a.message_id \
         WHERE m.thread_id = $1 AND a.draft_id IS NULL",
    )
    .bind(thread)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(app.download(&alex, &sent).await.bytes, pdf());
}

// ---- Files on a message the care team starts ("Start a message") ----

impl TestApp {
    /// The person's new-conversation draft for the Veteran, as attaching the first file on
    /// "Start a message" makes it.
    async fn team_start_draft(&self, cookie: &str, veteran: i64) -> Answer {
        let form = format!("veteran={veteran}");
        self.call("/api/team_start_draft_for_files", &form, Some(cookie))
            .await
    }

    /// The "Start a message" form, posted as the browser posts it (multipart).
    async fn post_team_start(&self, cookie: &str, form: Multipart) -> Answer {
        self.post_multipart("/api/team_start_message_with_files", form, Some(cookie))
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_clinician_attaches_to_the_message_they_start() {
    let app = demo_app(&[]).await;
    let morgan = app.sign_in("clinician@example.com").await;
    let casey = app.sign_in("nurse@example.com").await;
    let alex = app.sign_in("veteran@example.com").await;
    let sam = app.sign_in("caregiver@example.com").await;
    let riley = app.sign_in("admin@example.com").await;
    let alex_id = app.person("veteran@example.com").await.id;
    let jordan_id = app.person("veteran2@example.com").await.id;

    let made = app.team_start_draft(&morgan, alex_id).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let draft: i64 = PostcardEncoding::decode(made.bytes.clone().into()).expect("the draft's id");
    let answer = app
        .upload(&morgan, draft, &[("care plan.pdf", &pdf())])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(ids(&answer).len(), 1);

    // Nobody else attaches to it: a colleague, the Veteran, the caregiver (404, as for no
    // draft), an administrator (refused outright).
    for (who, cookie) in [("Casey", &casey), ("Alex", &alex), ("Sam", &sam)] {
        assert_eq!(
            app.upload(cookie, draft, &[("x.pdf", &pdf())]).await.status,
            StatusCode::NOT_FOUND,
            "{who}: upload"
        );
        assert_eq!(
            app.list_draft(cookie, draft).await.status,
            StatusCode::NOT_FOUND,
            "{who}: list"
        );
    }
    assert_eq!(
        app.upload(&riley, draft, &[("x.pdf", &pdf())]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.rows().await, 1);
    // The draft is made only by care team members, and only for Veterans of their teams.
    for (who, cookie) in [("Alex", &alex), ("Sam", &sam), ("Riley", &riley)] {
        assert_eq!(
            app.team_start_draft(cookie, alex_id).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(
        app.team_start_draft(&morgan, jordan_id).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_wasm_a_started_message_posts_its_files_and_a_refusal_keeps_the_text() {
    let app = demo_app(&[]).await;
    let morgan = app.sign_in("clinician@example.com").await;
    let casey = app.sign_in("nurse@example.com").await;
    let alex = app.sign_in("veteran@example.com").await;
    let alex_id = app.person("veteran@example.com").await.id;
    let team = app.primary_care().await;
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xffThis program cannot be run".to_vec();
    let key = uuid::Uuid::new_v4().to_string();
    let fields = |body: &str| {
        vec![
            ("veteran", alex_id.to_string()),
            ("client_key", key.clone()),
            ("care_team", team.to_string()),
            ("category", "test_results".to_string()),
            ("subject", "Your lab results".to_string()),
            ("body", body.to_string()),
        ]
    };
    let text = "Your results are attached.\nCall us with questions.";

    // A refused file: back to the form with the refusal and everything typed; the good
    // file is kept on Morgan's draft; nothing is sent.
    let answer = app
        .post_team_start(
            &morgan,
            compose_form(
                &pairs(&fields(text)),
                &[("results.pdf", &pdf()), ("results2.pdf", &exe)],
                None,
            ),
        )
        .await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    let back = answer.header("location").to_string();
    assert!(
        back.starts_with(&format!("/team/new?veteran={alex_id}&kept=")),
        "{back}"
    );
    assert_posted_error_named(&back);
    assert_eq!(app.messages_with_subject("Your lab results").await, 0);
    assert_eq!(app.rows().await, 1);
    let html = app.get(&back, Some(&morgan)).await.body;
    assert!(
        html.contains("results2.pdf: the content isn't a PDF file"),
        "the refusal: {html}"
    );
    assert!(html.contains(text), "the text");
    assert!(html.contains("Your lab results"), "the subject");
    assert!(
        html.contains("aria-label=\"Remove results.pdf\""),
        "the kept file"
    );
    assert!(html.contains(">Attach file</label>"));

    // "Remove" posts the form naming the file: it goes, the text comes back.
    let file: String = sqlx::query_scalar("SELECT id FROM attachments")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let mut removing = fields("Only the text now.");
    removing.push(("remove_file", file));
    let answer = app
        .post_team_start(&morgan, compose_form(&pairs(&removing), &[], None))
        .await;
    let back = answer.header("location").to_string();
    assert!(
        back.starts_with(&format!("/team/new?veteran={alex_id}&kept=")),
        "{back}"
    );
    assert!(!back.contains("__err"), "{back}");
    assert_eq!(app.rows().await, 0);
    let html = app.get(&back, Some(&morgan)).await.body;
    assert!(html.contains("Only the text now."), "the text is back");

    // The files and the text in one post: the conversation starts with them.
    let answer = app
        .post_team_start(
            &morgan,
            compose_form(&pairs(&fields(text)), &[("results.pdf", &pdf())], None),
        )
        .await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    let location = answer.header("location").to_string();
    assert!(
        location.starts_with("/team/threads/") && location.ends_with("?done=started"),
        "{location}"
    );
    assert_eq!(app.messages_with_subject("Your lab results").await, 1);
    let (thread, sent): (i64, String) = sqlx::query_as(
        "SELECT m.thread_id, a.id FROM attachments a JOIN messages m ON m.id = a.message_id \
         WHERE a.draft_id IS NULL",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let drafts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM drafts WHERE starts_thread = 1")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(drafts, 0, "the draft is done");
    // The Veteran sees it in the conversation and downloads the same bytes; Morgan's
    // colleague downloads it from the team's thread page.
    let html = app
        .get(&format!("/messages/{thread}"), Some(&alex))
        .await
        .body;
    assert!(html.contains(&format!("href=\"/attachments/{sent}\"")));
    assert_eq!(app.download(&alex, &sent).await.bytes, pdf());
    let html = app
        .get(&format!("/team/threads/{thread}"), Some(&casey))
        .await
        .body;
    assert!(html.contains(&format!("href=\"/attachments/{sent}\"")));
    assert_eq!(app.download(&casey, &sent).await.bytes, pdf());
}
