//! Reports for administrators (DESIGN.md §2 "Administration"), and for care team leads on
//! the teams they lead: per care team or facility and date range, counts and first
//! response times in business hours, as a table, charts and CSV. Counts and times only: never a subject, a body or a Veteran's name.

pub mod api;
#[cfg(feature = "ssr")]
pub mod charts;
#[cfg(feature = "ssr")]
pub mod csv;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod types;
