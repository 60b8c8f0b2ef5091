//! The one error type of the app (STYLE.md habit 5).
//!
//! Each variant says what it means over HTTP. Server functions return it, so it crosses to
//! the browser: it must never carry a database message, a stack trace or health information.
//! Internal causes are logged on the server with a reference id; the person sees a plain
//! sentence and that id.

use leptos::server_fn::codec::PostcardEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// 401: nobody is signed in (or the session ended).
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// 403: signed in, but this is not theirs to do.
    #[error("You don't have access to this page.")]
    Forbidden,
    /// 404: missing, or somebody else's: the two must look the same (DESIGN.md §3).
    #[error("We couldn't find that.")]
    NotFound,
    /// 400/422: input broke a rule. Keys are field names; values are what the person sees.
    #[error("Please correct the errors on this page.")]
    Invalid { fields: BTreeMap<String, String> },
    /// 401 on sign-in: the same words for an unknown email and a wrong password (ASVS 2.2.x).
    #[error("The email address or password is incorrect.")]
    SignInFailed,
    /// 403 for a clinician or administrator who must set up two-step verification first:
    /// every page and server function but the set-up answers this until it is done.
    #[error("Set up two-step verification to continue.")]
    TwoStepSetUpNeeded,
    /// 429: too many failed sign-ins for this account or address.
    #[error("Too many failed attempts. Wait {minutes} minutes and try again.")]
    TooManyAttempts { minutes: i64 },
    /// 409: the change clashes with the current state.
    #[error("{message}")]
    Conflict { message: String },
    /// 500: our fault. The reference ties this sentence to the server log.
    #[error("Something went wrong on our side. If it keeps happening, contact support and give this reference: {reference}.")]
    Internal { reference: String },
    /// 413: more than the server reads in one request.
    #[error(
        "This is too large to send. A message can have up to 10,000 characters and 10 MB of files."
    )]
    TooLarge,
    /// 503: the request took longer than the server gives one, and was stopped.
    #[error("This took too long and was stopped. Please try again.")]
    TimedOut,
    /// The server-function machinery itself failed (network, decoding).
    #[error("We couldn't reach the server. Check your connection and try again.")]
    Transport { detail: String },
}

impl AppError {
    /// One field error, the usual shape of a rejected form.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut fields = BTreeMap::new();
        fields.insert(field.to_string(), message.into());
        AppError::Invalid { fields }
    }

    /// The message for one field, if this error has one.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid { fields } => fields.get(name).cloned(),
            _ => None,
        }
    }

    /// Whether the sentence shown for this error is wholly the app's own, whatever values
    /// it carries: then it may travel in an address as it is (a refused form post's
    /// redirect), since nobody can make it say anything else. Errors that carry sentences
    /// (a field's message, a clash) travel through the session instead
    /// (`ui::PostedError`).
    pub fn is_fixed_sentence(&self) -> bool {
        match self {
            AppError::Unauthenticated
            | AppError::Forbidden
            | AppError::NotFound
            | AppError::SignInFailed
            | AppError::TwoStepSetUpNeeded
            | AppError::TooLarge
            | AppError::TimedOut => true,
            // A number of minutes a lock-out can last (at most a day), and a reference of
            // the shape `internal` makes.
            AppError::TooManyAttempts { minutes } => (1..=24 * 60).contains(minutes),
            AppError::Internal { reference } => {
                reference.len() == 12
                    && reference
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
            }
            AppError::Invalid { .. } | AppError::Conflict { .. } | AppError::Transport { .. } => {
                false
            }
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::SignInFailed => 401,
            AppError::Forbidden | AppError::TwoStepSetUpNeeded => 403,
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 422,
            AppError::TooLarge => 413,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Conflict { .. } => 409,
            AppError::Internal { .. } => 500,
            AppError::TimedOut => 503,
            AppError::Transport { .. } => 502,
        }
    }
}

/// Errors travel as postcard, like the answers (`ui::page`): the wasm then needs no JSON
/// decoder to show one.
impl FromServerFnError for AppError {
    type Encoder = PostcardEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server the cause can quote the request (a field that did not parse), so it
        // never goes back out, nor into the log: only which step failed.
        #[cfg(feature = "ssr")]
        {
            let step = transport_step(&value);
            tracing::warn!(step, "a server function request could not be read");
            AppError::Transport {
                detail: step.to_string(),
            }
        }
        #[cfg(not(feature = "ssr"))]
        AppError::Transport {
            detail: value.to_string(),
        }
    }
}

/// Which step of the server-function machinery failed, in words that quote nothing.
#[cfg(feature = "ssr")]
fn transport_step(error: &ServerFnErrorErr) -> &'static str {
    match error {
        ServerFnErrorErr::Registration(_) => "registration",
        ServerFnErrorErr::UnsupportedRequestMethod(_) => "method",
        ServerFnErrorErr::Request(_) => "request",
        ServerFnErrorErr::ServerError(_) => "server",
        ServerFnErrorErr::MiddlewareError(_) => "middleware",
        ServerFnErrorErr::Deserialization(_) => "reading the arguments",
        ServerFnErrorErr::Serialization(_) => "writing the answer",
        ServerFnErrorErr::Args(_) => "reading the arguments",
        ServerFnErrorErr::MissingArg(_) => "a missing argument",
        ServerFnErrorErr::Response(_) => "response",
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;

    impl AppError {
        /// Logs an internal cause under a fresh reference id and returns the error the
        /// person sees. The cause never leaves the server.
        pub fn internal(cause: impl std::fmt::Display) -> Self {
            let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase();
            tracing::error!(reference = %reference, cause = %cause, "internal error");
            AppError::Internal { reference }
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(cause: sqlx::Error) -> Self {
            AppError::internal(cause)
        }
    }

    impl From<tower_sessions::session::Error> for AppError {
        fn from(cause: tower_sessions::session::Error) -> Self {
            AppError::internal(cause)
        }
    }
}
