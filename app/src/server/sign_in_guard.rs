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
/// Failures on one account from one address before that address is refused for that
/// account, for the rest of the window. Other addresses are not refused: one address cannot
/// lock a person out of their own account.
pub const ACCOUNT_LIMIT: i64 = 10;
/// Failures on one account from all addresses before it is refused everywhere: a guess
/// spread over many addresses (NIST SP 800-63B §5.2.2 allows at most 100).
pub const ACCOUNT_LIMIT_EVERYWHERE: i64 = 100;
/// Different accounts failed from one address before that address is refused: password
/// spraying. Counted in accounts, not failures, so a clinic or a carrier's shared address
/// where a few people mistype is not refused.
pub const SPRAY_LIMIT: i64 = 20;
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

/// Recent failures, counted the ways the rule needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures {
    /// On this account, from this address.
    pub account_here: i64,
    /// On this account, from anywhere.
    pub account_everywhere: i64,
    /// Different accounts failed from this address.
    pub accounts_from_here: i64,
}

/// The rule itself, from the recent failure counts.
pub fn decide(failures: Failures) -> Gate {
    if failures.account_here >= ACCOUNT_LIMIT
        || failures.account_everywhere >= ACCOUNT_LIMIT_EVERYWHERE
        || failures.accounts_from_here >= SPRAY_LIMIT
    {
        return Gate::Refuse;
    }
    let over = failures
        .account_here
        .max(failures.account_everywhere / 10)
        .max(failures.accounts_from_here / 4)
        - SLOW_AFTER
        + 1;
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
    let target = account_target(email);
    let mut failures = Failures::default();
    for action in COUNTED {
        let on_account =
            |ip| audit::count_since_for_target(pool, action, Outcome::Failure, &target, ip, since);
        failures.account_here += on_account(Some(ip)).await?;
        failures.account_everywhere += on_account(None).await?;
    }
    failures.accounts_from_here =
        audit::targets_since_from_address(pool, COUNTED, Outcome::Failure, ip, since).await?;
    Ok(decide(failures))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here(account_here: i64) -> Failures {
        Failures {
            account_here,
            account_everywhere: account_here,
            accounts_from_here: 1,
        }
    }

    #[test]
    fn a_few_mistakes_are_not_slowed() {
        assert_eq!(decide(Failures::default()), Gate::Open);
        assert_eq!(decide(here(SLOW_AFTER - 1)), Gate::Open);
    }

    #[test]
    fn more_failures_wait_longer_up_to_a_cap() {
        assert_eq!(decide(here(SLOW_AFTER)), Gate::Slow(Duration::from_secs(1)));
        assert_eq!(
            decide(here(SLOW_AFTER + 1)),
            Gate::Slow(Duration::from_secs(2))
        );
        assert_eq!(
            decide(here(ACCOUNT_LIMIT - 1)),
            Gate::Slow(Duration::from_secs(MAX_DELAY_SECONDS as u64))
        );
    }

    #[test]
    fn the_account_limit_refuses_the_address_that_reached_it() {
        assert_eq!(decide(here(ACCOUNT_LIMIT)), Gate::Refuse);
        // Another address, after those failures elsewhere: slowed, not refused.
        let elsewhere = Failures {
            account_here: 0,
            account_everywhere: ACCOUNT_LIMIT,
            accounts_from_here: 0,
        };
        assert_eq!(decide(elsewhere), Gate::Open);
        let many = Failures {
            account_everywhere: ACCOUNT_LIMIT_EVERYWHERE - 1,
            ..elsewhere
        };
        assert!(matches!(decide(many), Gate::Slow(_)));
        let all = Failures {
            account_everywhere: ACCOUNT_LIMIT_EVERYWHERE,
            ..elsewhere
        };
        assert_eq!(decide(all), Gate::Refuse);
    }

    #[test]
    fn spraying_many_accounts_refuses_the_address() {
        let spray = |accounts_from_here| Failures {
            account_here: 0,
            account_everywhere: 0,
            accounts_from_here,
        };
        assert_eq!(decide(spray(SPRAY_LIMIT)), Gate::Refuse);
        assert!(matches!(decide(spray(SPRAY_LIMIT - 1)), Gate::Slow(_)));
        assert_eq!(decide(spray(3)), Gate::Open);
    }
}
