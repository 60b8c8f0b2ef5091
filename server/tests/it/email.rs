//! Email against a real SMTP server: Python's aiosmtpd, started by each test on a free port
//! (`smtp_sink.py`, installed by scripts/setup.sh). The app is the whole router in process;
//! the delivery worker's round is run by the test, then the delivered message is read back
//! from the server, its link followed, and what it must not carry checked.

use crate::common::{demo_app, Answer, TestApp};
use app::email::ssr::{deliver_due, Delivered, Mailer};
use axum::http::StatusCode;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// One SMTP server process, killed when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    inbox: tempfile::TempDir,
}

impl SmtpSink {
    async fn start() -> SmtpSink {
        SmtpSink::start_with(&[]).await
    }

    /// `--refuse`: every recipient answered with a permanent 550.
    async fn start_with(flags: &[&str]) -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let inbox = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(inbox.path())
            .args(flags)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/setup.sh installs it)");
        let stdout = child.stdout.take().unwrap();
        let ready = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        });
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), ready)
            .await
            .expect("the SMTP server starts within 30 s")
            .unwrap()
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "aiosmtpd did not start (is it installed?)"
        );
        SmtpSink { child, port, inbox }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in arrival order.
    fn messages(&self) -> Vec<serde_json::Value> {
        let mut names: Vec<_> = std::fs::read_dir(self.inbox.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|path| serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo app sending through `sink`, with links to `http://sm.test`.
async fn app_mailing_to(sink: &SmtpSink) -> TestApp {
    demo_app(&["--smtp-url", &sink.url(), "--public-url", "http://sm.test"]).await
}

/// One round of the delivery worker, as the server runs it every few seconds.
async fn deliver(app: &TestApp) -> Delivered {
    let mailer: &Mailer = app.settings.mail.mailer.as_ref().expect("an SMTP URL");
    deliver_due(&app.state.db, mailer).await.unwrap()
}

fn text(message: &serde_json::Value, part: &str) -> String {
    message[part].as_str().unwrap_or_default().to_string()
}

/// The one `http://sm.test/…` line of a message's plain text.
fn link_in(message: &serde_json::Value) -> String {
    let text = text(message, "text");
    let links: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("http://sm.test/"))
        .collect();
    assert_eq!(links.len(), 1, "{text}");
    links[0].to_string()
}

/// The set-password form at `path` (an emailed link), posted as the page posts it.
async fn set_password(app: &TestApp, path: &str, token: &str) -> Answer {
    app.post_form_from(
        "/api/set_password",
        &format!("token={token}&password=a+quiet+harbor+at+dawn&confirm=a+quiet+harbor+at+dawn"),
        None,
        path,
    )
    .await
}

async fn invite(app: &TestApp, admin: &str, email: &str) -> axum::http::HeaderValue {
    let answer = app
        .post_form_from(
            "/api/admin_invite",
            &format!(
                "email={}&name=Dana+Ortiz&role=veteran",
                email.replace('@', "%40")
            ),
            Some(admin),
            "/admin/users",
        )
        .await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    answer.headers[axum::http::header::LOCATION].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_link_reaches_only_the_person_by_email_and_sets_their_password() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    let admin = app.sign_in("admin@example.com").await;
    let location = invite(&app, &admin, "dana@example.com").await;
    let location = location.to_str().unwrap();
    assert!(location.ends_with("?done=invited"), "{location}");

    // The administrator's page says where the link went, and shows no link.
    let page = app.get(location, Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("We emailed a set-up link to dana@example.com."),
        "{}",
        page.body
    );
    assert!(!page.body.contains("token="), "{}", page.body);

    assert_eq!(
        deliver(&app).await,
        Delivered {
            sent: 1,
            retrying: 0,
            failed: 0
        }
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message["rcpt_tos"], serde_json::json!(["dana@example.com"]));
    assert_eq!(
        message["headers"]["subject"],
        "Set up your VA Secure Messaging account"
    );
    assert_eq!(message["headers"]["to"], "dana@example.com");
    let stored_id: String = sqlx::query_scalar("SELECT message_id FROM email_outbox")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(message["headers"]["message-id"], stored_id.as_str());
    let link = link_in(message);
    let token = link
        .strip_prefix("http://sm.test/set-password?token=")
        .expect("a set-password link");
    assert_eq!(token.len(), 64);
    assert!(text(message, "html").contains(&format!("href=\"{link}\"")));
    // Delivered: the outbox keeps no copy of the link.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM email_outbox WHERE text_body LIKE '%{token}%' \
             OR html_body LIKE '%{token}%'"
        ))
        .await,
        0
    );
    // Nor does the administrator's page, or the audit trail.
    let page = app.get(location, Some(&admin)).await;
    assert!(!page.body.contains(token));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%{token}%'"
        ))
        .await,
        0
    );

    // The person follows the link and sets a password, and signs in with it.
    let path = link.strip_prefix("http://sm.test").unwrap();
    let set_up = app.get(path, None).await;
    assert_eq!(set_up.status, StatusCode::OK);
    assert!(set_up.body.contains("Set your password"), "{}", set_up.body);
    let set = set_password(&app, path, token).await;
    assert_eq!(set.status, StatusCode::FOUND, "{}", set.body);
    let signed_in = app
        .post_form(
            "/api/sign_in",
            "email=dana%40example.com&password=a+quiet+harbor+at+dawn",
            None,
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::FOUND);
    assert_eq!(signed_in.location(), "/inbox");
    // The link worked once.
    let again = app.get(path, None).await;
    assert!(again.body.contains("This link doesn"), "{}", again.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_or_two_step_reset_is_emailed_to_the_person() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    let admin = app.sign_in("admin@example.com").await;
    let jordan: i64 = app
        .count("SELECT id FROM users WHERE email = 'veteran2@example.com'")
        .await;
    let reset = app
        .post_form_from(
            "/api/admin_reset_password",
            &format!("user={jordan}"),
            Some(&admin),
            &format!("/admin/users/{jordan}"),
        )
        .await;
    assert_eq!(reset.status, StatusCode::FOUND, "{}", reset.body);
    let page = app.get(reset.location(), Some(&admin)).await;
    assert!(
        page.body
            .contains("We emailed a link to choose a new password to veteran2@example.com."),
        "{}",
        page.body
    );
    assert!(!page.body.contains("token="));

    // Morgan's two-step verification, turned on directly, then reset.
    let morgan: i64 = app
        .count("SELECT id FROM users WHERE email = 'clinician@example.com'")
        .await;
    sqlx::query(
        "INSERT INTO mfa_enrolments (user_id, sealed_secret, created_at, confirmed_at) \
         VALUES ($1, 'x', 1, 1)",
    )
    .bind(morgan)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let mfa = app
        .post_form_from(
            "/api/admin_reset_mfa",
            &format!("user={morgan}"),
            Some(&admin),
            &format!("/admin/users/{morgan}"),
        )
        .await;
    assert_eq!(mfa.status, StatusCode::FOUND, "{}", mfa.body);

    assert_eq!(deliver(&app).await.sent, 2);
    let messages = sink.messages();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[0]["rcpt_tos"],
        serde_json::json!(["veteran2@example.com"])
    );
    assert_eq!(
        messages[0]["headers"]["subject"],
        "Choose a new password for VA Secure Messaging"
    );
    assert!(link_in(&messages[0]).starts_with("http://sm.test/set-password?token="));
    assert_eq!(
        messages[1]["rcpt_tos"],
        serde_json::json!(["clinician@example.com"])
    );
    assert_eq!(
        messages[1]["headers"]["subject"],
        "Two-step verification was turned off"
    );
    assert_eq!(link_in(&messages[1]), "http://sm.test/sign-in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_the_server_refuses_is_counted_for_administrators_without_its_address() {
    let sink = SmtpSink::start_with(&["--refuse"]).await;
    let app = app_mailing_to(&sink).await;
    let admin = app.sign_in("admin@example.com").await;
    invite(&app, &admin, "dana@example.com").await;
    assert_eq!(
        deliver(&app).await,
        Delivered {
            sent: 0,
            retrying: 0,
            failed: 1
        }
    );
    assert!(sink.messages().is_empty());
    let overview = app.call("/api/admin_overview", "", Some(&admin)).await;
    let counts: app::pages::SystemCounts = overview.answered();
    assert_eq!(counts.emails_failed, 1);
    assert_eq!(counts.emails_waiting, 0);
    let page = app.get("/admin", Some(&admin)).await;
    assert!(
        page.body
            .contains("Emails that could not be delivered after every retry"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("dana@example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_without_smtp_shows_its_emails_at_demo_mail_and_only_there() {
    let app = demo_app(&[]).await;
    assert!(app.settings.mail.mailer.is_none());
    let admin = app.sign_in("admin@example.com").await;
    invite(&app, &admin, "dana@example.com").await;
    // Signed out: the sign-in page.
    let signed_out = app.get("/demo/mail", None).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    // Any demo account sees the demo's emails, links and all.
    let veteran = app.sign_in("veteran@example.com").await;
    let page = app.get("/demo/mail", Some(&veteran)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("This page exists only in the demo."),
        "{}",
        page.body
    );
    assert!(page.body.contains("To: dana@example.com"), "{}", page.body);
    assert!(
        page.body
            .contains("href=\"http://127.0.0.1:3000/set-password?token="),
        "{}",
        page.body
    );

    // The same router state outside demo mode: no such page.
    let mut state = app.state.clone();
    let mut config = (*state.config).clone();
    config.demo = false;
    state.config = std::sync::Arc::new(config);
    let real = app.with_state(state);
    let answer = real.call("/api/demo_mails", "", Some(&veteran)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_from_the_nurse_emails_alex_once_with_no_health_text() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    let (thread, subject): (i64, String) = sqlx::query_as(
        "SELECT t.id, t.subject FROM threads t JOIN users u ON u.id = t.veteran_id \
         JOIN care_teams ct ON ct.id = t.team_id \
         WHERE u.email = 'veteran@example.com' AND ct.name = 'Primary Care – Blue Team' \
         ORDER BY t.id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    // Sam, Alex's caregiver, chose "Once a day" in Settings: no email now.
    let sam = app.sign_in("caregiver@example.com").await;
    let saved = app
        .post_form_from(
            "/api/save_email_settings",
            "new_message_email=daily",
            Some(&sam),
            "/settings",
        )
        .await;
    assert_eq!(saved.status, StatusCode::FOUND, "{}", saved.body);
    let settings = app.get(saved.location(), Some(&sam)).await;
    assert!(
        settings.body.contains("Email setting saved."),
        "{}",
        settings.body
    );
    assert!(
        settings.body.contains("value=\"daily\" checked"),
        "{}",
        settings.body
    );

    let nurse = app.sign_in("nurse@example.com").await;
    let words = "Your potassium was a little low; eat a banana a day.";
    let reply = app
        .post_form_from(
            "/api/team_send_reply",
            &serde_urlencoded::to_string([
                ("thread_id", thread.to_string()),
                ("body", words.to_string()),
                ("reply_key", uuid::Uuid::new_v4().to_string()),
            ])
            .unwrap(),
            Some(&nurse),
            &format!("/team/threads/{thread}"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);

    let site = &app.state.config.public_url;
    let now = app.state.db.now_ms();
    let queued = app::email::ssr::notices::email_due_notices(&app.state.db, site, now)
        .await
        .unwrap();
    assert_eq!(queued, 1, "Alex now; Sam at 7 am");
    assert_eq!(deliver(&app).await.sent, 1);
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(
        message["rcpt_tos"],
        serde_json::json!(["veteran@example.com"])
    );
    assert_eq!(
        message["headers"]["subject"],
        "You have a new secure message"
    );
    assert_eq!(link_in(message), "http://sm.test/inbox");
    let raw = text(message, "raw");
    for health in [
        words,
        "potassium",
        subject.as_str(),
        "Primary Care",
        "Blue Team",
        "Casey",
    ] {
        assert!(!raw.contains(health), "{health} in {raw}");
        assert!(!text(message, "text").contains(health));
        assert!(!text(message, "html").contains(health));
    }
    // The link opens the Inbox, once signed in.
    let inbox = app.get("/inbox", None).await;
    assert_eq!(inbox.status, StatusCode::SEE_OTHER);
    assert!(inbox.location().starts_with("/sign-in"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_message_emails_the_care_team_without_naming_anything() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    let alex = app.sign_in("veteran@example.com").await;
    let blue: i64 = app
        .count("SELECT id FROM care_teams WHERE name = 'Primary Care – Blue Team'")
        .await;
    let words = "I have chest pain and my left arm is numb.";
    let sent = app
        .post_form_from(
            "/api/send_new_message",
            &serde_urlencoded::to_string([
                ("care_team", blue.to_string()),
                ("category", "general".to_string()),
                ("subject", "Pain tonight".to_string()),
                ("body", words.to_string()),
                ("client_key", uuid::Uuid::new_v4().to_string()),
                ("draft_id", String::new()),
                // The person saw the crisis line once more and sends anyway.
                ("crisis_confirmed", "yes".to_string()),
            ])
            .unwrap(),
            Some(&alex),
            "/messages/new",
        )
        .await;
    assert!(sent.status.is_redirection(), "{}", sent.body);
    let site = &app.state.config.public_url;
    let now = app.state.db.now_ms();
    let queued = app::email::ssr::notices::email_team_alerts(&app.state.db, site, now)
        .await
        .unwrap();
    assert_eq!(queued, 2, "Morgan and Casey, both on duty");
    assert_eq!(deliver(&app).await.sent, 2);
    let messages = sink.messages();
    let mut to: Vec<String> = messages
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap().to_string())
        .collect();
    to.sort();
    assert_eq!(to, ["clinician@example.com", "nurse@example.com"]);
    for message in &messages {
        assert_eq!(
            message["headers"]["subject"],
            "A message may need urgent attention"
        );
        assert_eq!(link_in(message), "http://sm.test/team");
        let raw = text(message, "raw");
        for health in [
            words,
            "chest pain",
            "Pain tonight",
            "Alex",
            "Rivera",
            "Blue Team",
        ] {
            assert!(!raw.contains(health), "{health} in {raw}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgot_password_answers_alike_and_its_link_sets_a_password_and_signs_out_elsewhere() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    let page = app.get("/sign-in", None).await;
    assert!(
        page.body.contains("href=\"/sign-in/forgot\""),
        "{}",
        page.body
    );
    let form = app.get("/sign-in/forgot", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Forgot your password?"));

    // Jordan is signed in on another device.
    let elsewhere = app.sign_in("veteran2@example.com").await;
    let client = &app;
    let ask = |email: &'static str| async move {
        client
            .post_form_from(
                "/api/forgot_password",
                &format!("email={}", email.replace('@', "%40")),
                None,
                "/sign-in/forgot",
            )
            .await
    };
    let unknown = ask("nobody@example.com").await;
    let known = ask("veteran2@example.com").await;
    assert_eq!(unknown.status, StatusCode::FOUND);
    assert_eq!(known.status, StatusCode::FOUND);
    assert_eq!(unknown.location(), known.location());
    let answer = app.get(known.location(), None).await;
    assert!(
        answer
            .body
            .contains("If an account uses that address, we emailed a link"),
        "{}",
        answer.body
    );

    assert_eq!(deliver(&app).await.sent, 1);
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0]["rcpt_tos"],
        serde_json::json!(["veteran2@example.com"])
    );
    let link = link_in(&messages[0]);
    let token = link
        .strip_prefix("http://sm.test/set-password?token=")
        .expect("a set-password link");
    let path = link.strip_prefix("http://sm.test").unwrap();
    let set = set_password(&app, path, token).await;
    assert_eq!(set.status, StatusCode::FOUND, "{}", set.body);
    // The other device is signed out; the new password signs in; the link is spent.
    let after = app.get("/inbox", Some(&elsewhere)).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    let signed_in = app
        .post_form(
            "/api/sign_in",
            "email=veteran2%40example.com&password=a+quiet+harbor+at+dawn",
            None,
        )
        .await;
    assert_eq!(signed_in.location(), "/inbox");
    let again = app.get(path, None).await;
    assert!(again.body.contains("This link doesn"), "{}", again.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_email_address_takes_effect_through_its_emailed_link_and_the_old_one_is_told() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    let alex = app.sign_in("veteran@example.com").await;
    let settings = app.get("/settings", Some(&alex)).await;
    assert!(
        settings.body.contains("Change your email address")
            && settings.body.contains("veteran@example.com"),
        "{}",
        settings.body
    );

    // A wrong password: back to Settings with the message, the address kept to correct.
    let change = |password: &'static str| {
        let cookie = alex.clone();
        let app = &app;
        async move {
            app.post_form_from(
                "/api/change_email",
                &format!("new_email=alex.r%40example.net&email_password={password}"),
                Some(&cookie),
                "/settings",
            )
            .await
        }
    };
    let wrong = change("not-my-password").await;
    assert_eq!(wrong.status, StatusCode::FOUND, "{}", wrong.body);
    let refused = app.get(wrong.location(), Some(&alex)).await;
    assert!(
        refused.body.contains("Your current password is incorrect"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"alex.r@example.net\""));

    let asked = change("demo-password-2026").await;
    assert_eq!(
        asked.location(),
        "/settings?done=email_link_sent#email-address"
    );
    let waiting = app.get(asked.location(), Some(&alex)).await;
    assert!(
        waiting
            .body
            .contains("We emailed a link to your new address.")
            && waiting
                .body
                .contains("follow the link we emailed to <strong>alex.r@example.net"),
        "{}",
        waiting.body
    );

    assert_eq!(deliver(&app).await.sent, 1);
    let messages = sink.messages();
    assert_eq!(
        messages[0]["rcpt_tos"],
        serde_json::json!(["alex.r@example.net"])
    );
    let link = link_in(&messages[0]);
    let path = link.strip_prefix("http://sm.test").unwrap().to_string();
    let token = path
        .strip_prefix("/settings/email?token=")
        .expect("a confirmation link")
        .to_string();

    // The link asks for sign-in, and works only for Alex; opening it changes nothing.
    let anonymous = app.get(&path, None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location().starts_with("/sign-in"));
    let jordan = app.sign_in("veteran2@example.com").await;
    let not_theirs = app.get(&path, Some(&jordan)).await;
    assert!(
        not_theirs.body.contains("This link doesn"),
        "{}",
        not_theirs.body
    );
    let page = app.get(&path, Some(&alex)).await;
    assert!(
        page.body.contains("Confirm your new email address")
            && page.body.contains("alex.r@example.net"),
        "{}",
        page.body
    );

    let confirmed = app
        .post_form_from(
            "/api/confirm_email_change",
            &format!("token={token}"),
            Some(&alex),
            &path,
        )
        .await;
    assert_eq!(
        confirmed.location(),
        "/settings?done=email_changed#email-address",
        "{}",
        confirmed.body
    );
    assert_eq!(deliver(&app).await.sent, 1);
    let messages = sink.messages();
    let notice = &messages[1];
    assert_eq!(
        notice["rcpt_tos"],
        serde_json::json!(["veteran@example.com"])
    );
    assert_eq!(
        notice["headers"]["subject"],
        "Your email address was changed"
    );
    assert_eq!(link_in(notice), "http://sm.test/sign-in");

    // Alex signs in with the new address only.
    let new_address = app
        .post_form(
            "/api/sign_in",
            "email=alex.r%40example.net&password=demo-password-2026",
            None,
        )
        .await;
    assert_eq!(new_address.location(), "/inbox");
    let old_address = app
        .post_form(
            "/api/sign_in",
            "email=veteran%40example.com&password=demo-password-2026",
            None,
        )
        .await;
    assert_ne!(old_address.location(), "/inbox");
}
