//! The audit log viewer for administrators (DESIGN.md §2 "Administration" and §3
//! "Audit"): filter by person, patient, action, outcome and date range; newest first; paged;
//! CSV export. It shows the events' own columns and people's names, never message content.

pub mod api;
#[cfg(feature = "ssr")]
pub mod bulk;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod types;
