//! Email: people hear by email what needs them (account set-up and resets), and nothing in
//! an email is health information. The server side (`ssr`) keeps an outbox in the database
//! and delivers it over SMTP; `demo_mail` is the demo's page that shows the outbox when no
//! SMTP server is configured.

pub mod demo_mail;
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// An email as the demo's `/demo/mail` page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    /// The plain-text body (empty once delivered over SMTP).
    pub text: String,
    pub created_at: i64,
    /// Went out through an SMTP server (then its text is no longer kept).
    pub delivered: bool,
}

/// Settings, "Email me about new messages": how often a Veteran or caregiver hears by email
/// that their care team wrote (DESIGN.md §2 "Email notifications").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum NewMessageEmail {
    /// An email each time (a few seconds after the message; several at once make one).
    #[default]
    Each,
    /// One email at 7 am when anything arrived since the last.
    Daily,
    Never,
}

impl NewMessageEmail {
    pub const ALL: [NewMessageEmail; 3] = [
        NewMessageEmail::Each,
        NewMessageEmail::Daily,
        NewMessageEmail::Never,
    ];

    /// The stored value (`users.new_message_email`) and the form's.
    pub fn as_str(self) -> &'static str {
        match self {
            NewMessageEmail::Each => "each",
            NewMessageEmail::Daily => "daily",
            NewMessageEmail::Never => "never",
        }
    }

    pub fn parse(value: &str) -> Option<NewMessageEmail> {
        NewMessageEmail::ALL
            .into_iter()
            .find(|choice| choice.as_str() == value)
    }

    /// What the Settings page calls it.
    pub fn label(self) -> &'static str {
        match self {
            NewMessageEmail::Each => "Each time",
            NewMessageEmail::Daily => "Once a day",
            NewMessageEmail::Never => "Never",
        }
    }
}
