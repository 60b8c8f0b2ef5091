//! Password hashing with argon2id (OWASP's first choice; ASVS 2.4.1), through the
//! RustCrypto `argon2` crate with its default, recommended parameters.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// Hashes computed at once, at most. Each takes argon2's 19 MiB and a core for a while, so
/// a flood of sign-ins waits its turn here instead of exhausting memory; more than the
/// machine's cores would only share the same cores.
pub const AT_ONCE: usize = 4;

static TURNS: Semaphore = Semaphore::const_new(AT_ONCE);
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static MOST_RUNNING: AtomicUsize = AtomicUsize::new(0);

/// The most hashes ever computed at the same moment by this process (never above
/// [`AT_ONCE`]), for operators and tests.
pub fn most_at_once() -> usize {
    MOST_RUNNING.load(Ordering::SeqCst)
}

/// Runs one hashing job when its turn comes, off the async workers. The error says why it
/// could not run (the runtime is shutting down).
async fn in_turn<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let _turn = TURNS.acquire().await.map_err(|cause| cause.to_string())?;
    tokio::task::spawn_blocking(move || {
        let running = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
        MOST_RUNNING.fetch_max(running, Ordering::SeqCst);
        let answer = job();
        RUNNING.fetch_sub(1, Ordering::SeqCst);
        answer
    })
    .await
    .map_err(|cause| cause.to_string())
}

/// [`verify`], in turn with every other hash of this process.
pub async fn check(password: String, stored: Option<String>) -> Result<bool, String> {
    in_turn(move || verify(&password, stored.as_deref())).await
}

/// [`hash`], in turn with every other hash of this process.
pub async fn make(password: String) -> Result<String, String> {
    in_turn(move || hash(&password))
        .await?
        .map_err(|cause| cause.to_string())
}

/// A PHC string (`$argon2id$v=19$…`) for `password`, with a fresh random salt.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches `stored`. A missing hash (an invited person who has not set a
/// password yet, or an unknown email) is checked against a fixed dummy hash, so the answer
/// takes as long as a real check and does not reveal which accounts exist (ASVS 2.2.x).
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let (phc, real) = match stored {
        Some(phc) => (phc, true),
        None => (dummy_hash(), false),
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && real
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash("not a real password, only spends time").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_and_verifies_only_its_password() {
        let phc = hash("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", Some(&phc)));
        assert!(!verify("correct horse battery stapler", Some(&phc)));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        assert_ne!(
            hash("same password").unwrap(),
            hash("same password").unwrap()
        );
    }

    #[test]
    fn no_stored_hash_never_verifies() {
        assert!(!verify("not a real password, only spends time", None));
        assert!(!verify("anything", Some("not a phc string")));
    }
}
