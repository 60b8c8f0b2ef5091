//! The administration console: "Facilities", "Care teams" with members
//! and Veteran–team associations (one at a time or by CSV import), and "Users" with
//! invitations, roles, deactivation, password resets and caregiver access. Reports and the
//! audit log are their own features (`reports`, `audit_log`).
//!
//! Administrators run the system; nothing here returns message subjects or bodies.

pub mod api;
pub mod pages;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod types;
