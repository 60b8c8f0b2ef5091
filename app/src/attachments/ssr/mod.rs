//! Server-only attachment code: content checks, name cleaning, sealing and storage.

pub mod content;
pub mod form_post;
pub mod names;
pub mod owner;
pub mod records;
pub mod scan;
pub mod sealing;
pub mod storage;
pub mod upload;
