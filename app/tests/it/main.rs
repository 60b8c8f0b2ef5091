//! The app's integration tests, one binary (the app is linked once, not once per file): a
//! module per feature, the data-layer scenarios run on SQLite and on PostgreSQL.

#[macro_use]
mod common;

mod admin;
mod attachment_storage;
mod attachments;
mod audit_chain;
mod audit_log;
mod caregiver_invitations;
mod data_layer;
mod email;
mod email_change;
mod live_events;
mod messaging;
mod mfa;
mod migration_parity;
mod passkeys;
mod passwords;
mod postgres_tls;
mod reply_drafts;
mod reports;
mod team;
mod team_writes_first;
mod time_zones;
