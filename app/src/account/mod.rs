//! Signing in and out, changing one's own password and email address, and "Forgot your
//! password?".

pub mod change_email;
pub mod change_password;
pub mod forgot;
mod other_devices;
pub mod session_time;
#[cfg(feature = "hydrate")]
mod session_timer;
mod sign_in;
mod sign_out;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod time_zone;

pub use change_password::{ChangePassword, ChangePasswordSettings};
pub use other_devices::{OtherDevicesSettings, SignOutOtherDevices};
pub use session_time::SessionTimeout;
pub use sign_in::{SignIn, SignInPage};
pub use sign_out::{SignOut, SignOutForm};
