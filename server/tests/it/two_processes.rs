//! Two server processes on one PostgreSQL database:
//! a care team member typing on one server is seen by a colleague whose live-update stream
//! is open on the other. The real server binary, started twice; real HTTP between them and
//! this test; the fan-out between them is PostgreSQL LISTEN/NOTIFY.

use futures_util::StreamExt;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

fn postgres_admin_url() -> String {
    std::env::var("SM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One server process in demo mode on `database_url`; killed when dropped.
struct Server {
    _process: Child,
    base: String,
}

impl Server {
    async fn start(database_url: &str) -> Server {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("--demo")
            .env("LEPTOS_OUTPUT_NAME", "secure-messaging")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_ENV", "PROD")
            .env("SM_DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start the server binary");
        let server = Server {
            _process: child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            let ready = client.get(format!("{}/readyz", server.base)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server at {} never became ready", server.base);
    }

    /// Signs in; returns a client that carries the session cookie and the same-origin
    /// headers the cross-site check wants.
    async fn sign_in(&self, email: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("Origin", self.base.parse().expect("origin"));
        headers.insert("Sec-Fetch-Site", "same-origin".parse().expect("header"));
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let answer = client
            .post(format!("{}/api/sign_in", self.base))
            .form(&[("email", email), ("password", "demo-password-2026")])
            .send()
            .await
            .expect("sign in");
        assert!(
            answer.status().is_success() || answer.status().is_redirection(),
            "sign-in as {email}: {}",
            answer.status()
        );
        client
    }
}

#[tokio::test]
async fn a_colleague_on_another_server_process_sees_who_is_replying() {
    use sqlx::{Connection, Executor};
    let admin_url = postgres_admin_url();
    let name = format!("sm_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL must be reachable for this test");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let url = match admin_url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("a database URL ends with /<database>"),
    };

    // The first process migrates and seeds; the second finds the data there.
    let one = Server::start(&url).await;
    let two = Server::start(&url).await;

    let thread_id: i64 = {
        let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query_scalar("SELECT id FROM threads WHERE subject = 'Rescheduling my visit'")
            .fetch_one(&mut db)
            .await
            .unwrap()
    };

    // Dr. Morgan Patel's live-update stream is open on process two…
    let morgan = two.sign_in("clinician@example.com").await;
    let stream = morgan
        .get(format!("{}/events", two.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut body = stream.bytes_stream();

    // …while Casey Nguyen starts a reply on process one. Process one's LISTEN connection
    // may still be starting, so she announces again every 2 s until the stream hears it.
    let casey = one.sign_in("nurse@example.com").await;
    let heard = tokio::time::timeout(Duration::from_secs(20), async {
        let mut seen = String::new();
        loop {
            let announced = casey
                .post(format!("{}/api/announce_replying", one.base))
                .form(&[("thread_id", thread_id.to_string())])
                .send()
                .await
                .unwrap();
            assert!(announced.status().is_success(), "{}", announced.status());
            let wait = tokio::time::timeout(Duration::from_secs(2), body.next()).await;
            if let Ok(Some(Ok(chunk))) = wait {
                seen.push_str(&String::from_utf8_lossy(&chunk));
                if seen.contains("Casey Nguyen") {
                    return seen;
                }
            }
        }
    })
    .await
    .expect("process two's stream hears what happened on process one");
    assert!(heard.contains(&thread_id.to_string()), "{heard}");

    // Someone who is not on the team hears nothing of it: Alex's stream on process two.
    let alex = two.sign_in("veteran@example.com").await;
    let mut alex_body = alex
        .get(format!("{}/events", two.base))
        .send()
        .await
        .unwrap()
        .bytes_stream();
    casey
        .post(format!("{}/api/announce_replying", one.base))
        .form(&[("thread_id", thread_id.to_string())])
        .send()
        .await
        .unwrap();
    let quiet = tokio::time::timeout(Duration::from_secs(2), alex_body.next()).await;
    if let Ok(Some(Ok(chunk))) = quiet {
        assert!(
            !String::from_utf8_lossy(&chunk).contains("Casey Nguyen"),
            "a Veteran is not told who on the team is typing"
        );
    }

    drop((one, two));
    // Give the processes a moment to end before the database goes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await
        .unwrap();
}
