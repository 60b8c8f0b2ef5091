//! The server's integration tests, one binary (the app is linked once, not once per file):
//! route tests through the whole router in process (`common`), and two real server
//! processes on one PostgreSQL database.

mod common;

mod admin_routes;
mod attachments;
mod audit_trail;
mod body_limits;
mod email;
mod least_privilege;
mod mfa_routes;
mod page_reads;
mod passkeys;
mod passwords;
mod renders;
mod reply_drafts;
mod routes;
mod serving;
mod sessions;
mod single_sign_on;
mod team_workspace;
mod team_writes_first;
mod two_processes;
