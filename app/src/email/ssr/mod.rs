//! Email, server side: the outbox every email is written to in the same transaction as
//! the event that causes it (`outbox`), the words of each email (`letters`), the SMTP client
//! (`smtp`), the worker that delivers the outbox with retries (`delivery`), and the notices
//! of new messages that become emails by each person's choice (`notices`).
//!
//! No email carries health information (DESIGN.md §2 "Email notifications"): no subject or
//! text of a message, no team name, no attachment name. Only "you have a new secure
//! message", account notices, and a link to this site.

pub mod delivery;
pub mod letters;
pub mod notices;
pub mod outbox;
pub mod smtp;

pub use delivery::{deliver_due, Delivered};
pub use outbox::{enqueue, Email, EmailKind};
pub use smtp::Mailer;

/// The site's own address as people reach it (`SM_PUBLIC_URL`, e.g.
/// `https://messages.va.example`), put in front of every path an email links to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// An `http://` or `https://` origin, with no path, query or credentials; a trailing
    /// slash is dropped.
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        let text = text.trim().trim_end_matches('/');
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or_else(|| format!("{text} must start with https:// (or http:// for a demo)"))?;
        if rest.is_empty()
            || rest.contains(['/', '?', '#', '@'])
            || rest.contains(char::is_whitespace)
        {
            return Err(format!(
                "{text} must be only the site's origin, like https://messages.va.example"
            ));
        }
        Ok(PublicUrl(text.to_string()))
    }

    /// The address of `path` (which starts with `/`) on this site.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// The host name (and port), for the right-hand side of Message-IDs.
    pub fn host(&self) -> &str {
        self.0
            .split_once("://")
            .map(|(_, host)| host)
            .unwrap_or(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::PublicUrl;

    #[test]
    fn the_public_address_is_an_origin_only() {
        let site = PublicUrl::parse("https://messages.va.example/").unwrap();
        assert_eq!(site.link("/inbox"), "https://messages.va.example/inbox");
        assert_eq!(site.host(), "messages.va.example");
        assert!(PublicUrl::parse("http://127.0.0.1:3000").is_ok());
        assert!(PublicUrl::parse("messages.va.example").is_err());
        assert!(PublicUrl::parse("ftp://messages.va.example").is_err());
        assert!(PublicUrl::parse("https://messages.va.example/app").is_err());
        assert!(PublicUrl::parse("https://user@messages.va.example").is_err());
        assert!(PublicUrl::parse("https://").is_err());
    }
}
