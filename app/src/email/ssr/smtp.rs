//! The SMTP client: lettre on tokio and rustls, configured by one URL (`SM_SMTP_URL`):
//! `smtps://user:pass@host:465` (implicit TLS), `smtp://user:pass@host:587?tls=required`
//! (STARTTLS, refused without it), or `smtp://host:25` (plain, for a relay on this machine).

use super::delivery::Claimed;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one delivery may take, connection included, before it counts as failed and is
/// retried later (well inside the delivery lease).
const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends emails from `SM_MAIL_FROM` through `SM_SMTP_URL`, a connection per email. No
/// connection pool: lettre's needs a running runtime to be made (settings are read before
/// one), and emails are few.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    /// The URL can hold the SMTP password: only the sender is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

/// The host `smtp_url` would reach without TLS: another machine over `smtp://` without
/// `tls=required` (`tls=opportunistic` can be stripped by anyone on the path). `None` for
/// `smtps://`, STARTTLS required, or a relay on this machine. Set-password links travel in
/// these emails, so plain text to another host is refused at start unless allowed.
pub fn plain_text_host(smtp_url: &str) -> Option<String> {
    let url = url::Url::parse(smtp_url).ok()?;
    if url.scheme() != "smtp" {
        return None;
    }
    if url
        .query_pairs()
        .any(|(key, value)| key == "tls" && value == "required")
    {
        return None;
    }
    // `smtp` is not a scheme the URL standard knows, so its host stays text ("127.0.0.1",
    // "[::1]") rather than an address.
    let host = url.host_str()?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    (!loopback).then(|| host.to_string())
}

/// Why one attempt failed.
#[derive(Debug)]
pub struct SendFailure {
    /// The server refused for good (a 5xx answer, a malformed address): retrying cannot
    /// help.
    pub permanent: bool,
    /// For the log: the SMTP client's own words (never the email's).
    pub reason: String,
}

impl Mailer {
    /// A mailer for `smtp_url`, sending as `from` (`Secure Messaging <no-reply@va.example>`
    /// or a bare address). Nothing is connected until the first send.
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| format!("SM_MAIL_FROM is not an email address: {from}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|error| format!("SM_SMTP_URL cannot be used: {error}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(Mailer { transport, from })
    }

    /// Sends one email from the outbox: plain text with an HTML alternative, under the
    /// Message-ID the outbox gave it, the same on every attempt.
    pub async fn send(&self, email: &Claimed) -> Result<(), SendFailure> {
        let to: Mailbox = email.recipient.parse().map_err(|_| SendFailure {
            permanent: true,
            reason: "the recipient is not an email address".to_string(),
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(
                email.text_body.clone(),
                email.html_body.clone(),
            ))
            .map_err(|error| SendFailure {
                permanent: true,
                reason: error.to_string(),
            })?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|error| SendFailure {
                permanent: error.is_permanent(),
                reason: error.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::plain_text_host;

    #[test]
    fn plain_text_is_named_only_for_another_host_without_required_tls() {
        for safe in [
            "smtps://user:secret@mail.example.org:465",
            "smtp://user:secret@mail.example.org:587?tls=required",
            "smtp://127.0.0.1:2525",
            "smtp://localhost:25",
            "smtp://[::1]:25",
        ] {
            assert_eq!(plain_text_host(safe), None, "{safe}");
        }
        for (plain, host) in [
            ("smtp://mail.example.org:25", "mail.example.org"),
            (
                "smtp://user:secret@10.0.0.5:587?tls=opportunistic",
                "10.0.0.5",
            ),
        ] {
            assert_eq!(plain_text_host(plain).as_deref(), Some(host), "{plain}");
        }
    }
}
