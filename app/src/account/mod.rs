//! Signing in and out.

mod sign_in;
mod sign_out;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use sign_in::{SignIn, SignInPage};
pub use sign_out::{SignOut, SignOutForm};
