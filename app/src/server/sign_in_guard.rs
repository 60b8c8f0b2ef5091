//! Slowing and then refusing repeated failed sign-ins, per account and per address
//! (ASVS 2.2.1).
//!
//! Failures are counted from the audit trail rather than an in-memory limiter, so the count
//! is shared by every server process, survives a restart, and needs no second store.

use super::audit::{self, Action, Outcome};
use super::now_ms;
use sqlx::AnyPool;
use std::time::Duration;

/// The window failures are counted over, and how long a refusal lasts at most.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures on one account before each further attempt is slowed down.
pub const SLOW_AFTER: i64 = 3;
/// Failures on one account before attempts are refused for the rest of the window.
pub const ACCOUNT_LIMIT: i64 = 10;
/// Failures from one address (any accounts) before it is refused for the window. Higher
/// than the account limit: many people can share one address (a clinic, a carrier NAT).
pub const ADDRESS_LIMIT: i64 = 50;
/// The longest extra wait before answering a slowed attempt.
pub const MAX_DELAY_SECONDS: i64 = 5;

/// What to do with the next attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Answer only after this wait: each failure makes guessing slower.
    Slow(Duration),
    /// Refuse without checking the password.
    Refuse,
}

/// The rule itself, from the recent failure counts.
pub fn decide(account_failures: i64, address_failures: i64) -> Gate {
    if account_failures >= ACCOUNT_LIMIT || address_failures >= ADDRESS_LIMIT {
        return Gate::Refuse;
    }
    let over = account_failures.max(address_failures / 5) - SLOW_AFTER + 1;
    if over > 0 {
        let seconds = over.min(MAX_DELAY_SECONDS) as u64;
        return Gate::Slow(Duration::from_secs(seconds));
    }
    Gate::Open
}

/// The audit target that names an attempted account, known or not.
pub fn account_target(email: &str) -> String {
    format!("account:{email}")
}

/// The failures that count: wrong passwords and codes at sign-in, and wrong codes given to
/// turn two-step verification off (a guess at the code either way).
const COUNTED: [Action; 2] = [Action::SignIn, Action::MfaTurnedOff];

/// Reads the recent failures for this email and address and applies `decide`.
pub async fn check(pool: &AnyPool, email: &str, ip: &str) -> Result<Gate, sqlx::Error> {
    let since = now_ms() - WINDOW_MINUTES * 60_000;
    let (mut account, mut address) = (0, 0);
    for action in COUNTED {
        account += audit::count_since_for_target(
            pool,
            action,
            Outcome::Failure,
            &account_target(email),
            since,
        )
        .await?;
        address +=
            audit::count_since_from_address(pool, action, Outcome::Failure, ip, since).await?;
    }
    Ok(decide(account, address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_mistakes_are_not_slowed() {
        assert_eq!(decide(0, 0), Gate::Open);
        assert_eq!(decide(SLOW_AFTER - 1, 0), Gate::Open);
    }

    #[test]
    fn more_failures_wait_longer_up_to_a_cap() {
        assert_eq!(decide(SLOW_AFTER, 0), Gate::Slow(Duration::from_secs(1)));
        assert_eq!(
            decide(SLOW_AFTER + 1, 0),
            Gate::Slow(Duration::from_secs(2))
        );
        assert_eq!(
            decide(ACCOUNT_LIMIT - 1, 0),
            Gate::Slow(Duration::from_secs(MAX_DELAY_SECONDS as u64))
        );
    }

    #[test]
    fn the_account_limit_refuses() {
        assert_eq!(decide(ACCOUNT_LIMIT, 0), Gate::Refuse);
    }

    #[test]
    fn the_address_limit_refuses_whatever_the_account() {
        assert_eq!(decide(0, ADDRESS_LIMIT), Gate::Refuse);
        assert_eq!(
            decide(0, ADDRESS_LIMIT - 1),
            Gate::Slow(Duration::from_secs(5))
        );
    }
}
