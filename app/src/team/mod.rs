//! The care team's side: the shared team inbox, assignment and response targets.

pub mod api;
// Server-only: chrono and chrono-tz are `ssr` dependencies, so the wasm carries no zone data.
#[cfg(feature = "ssr")]
pub mod business_days;
pub mod pages;
pub mod reply_draft;
pub mod reply_with_files;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod start;
pub mod start_with_files;
pub mod types;
