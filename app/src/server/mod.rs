//! Server-only code: the database, sessions, passwords, audit, demo data.
//! Compiled only with the `ssr` feature, so none of it reaches the wasm (STYLE.md habit 3).

pub mod access;
pub mod audit;
pub mod audit_chain;
pub mod bootstrap;
pub mod bulk;
pub mod clock;
pub mod common_passwords;
pub mod date_of_birth;
pub mod db;
pub mod demo;
pub mod download;
pub mod events;
pub mod key_text;
pub mod link_tokens;
pub mod passwords;
pub mod pwned_range;
pub mod session_store;
pub mod sign_in_guard;
pub mod state;
pub mod users;

/// Milliseconds since the Unix epoch, the unit of every stored time.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
