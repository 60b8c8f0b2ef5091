//! The care team's side: the shared team inbox, assignment and response targets (issue 4).

// Server-only: chrono and chrono-tz are `ssr` dependencies, so the wasm carries no zone data.
#[cfg(feature = "ssr")]
pub mod business_days;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod types;
