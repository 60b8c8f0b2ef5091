//! Recovery codes: ten one-time codes made when two-step verification is turned on, and
//! again on "Make new codes" (which replaces them all). Each signs its person in once in
//! place of a code from the authenticator app, for when the phone is lost or not at hand
//! (ASVS 2.6 "look-up secrets").
//!
//! A code is 10 characters of Crockford's base32 (50 random bits), shown as `xxxxx-xxxxx`.
//! Only its keyed digest is stored (`MfaKey::recovery_digest`). Typed codes forgive what
//! people get wrong when copying from paper: case, spaces and dashes, `o` for zero and
//! `i` or `l` for one.

use super::sealing::MfaKey;
use crate::error::AppError;
use crate::mfa::{RECOVERY_MISSING, RECOVERY_WRONG};
use crate::server::db::{Db, Tx};
use sqlx::AnyPool;

/// How many codes a person gets at a time.
pub const HOW_MANY: usize = 10;
/// Characters in one code (without its dash).
const LENGTH: usize = 10;
/// Crockford's base32, lower case: no `i`, `l`, `o` or `u` to misread.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Ten new codes, as the person sees them.
pub fn new_codes() -> Vec<String> {
    use rand::Rng;
    let mut random = rand::rngs::OsRng;
    (0..HOW_MANY)
        .map(|_| {
            let code: String = (0..LENGTH)
                .map(|_| char::from(ALPHABET[random.gen_range(0..ALPHABET.len())]))
                .collect();
            format!("{}-{}", &code[..LENGTH / 2], &code[LENGTH / 2..])
        })
        .collect()
}

/// A typed code as it is stored: the 10 characters, lower case, the look-alikes read as
/// what they must be. `None` when it cannot be a code at all.
pub fn typed(code: &str) -> Option<String> {
    let code: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect();
    (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// Replaces `user_id`'s codes with ten new ones inside `tx`; answers them as shown.
pub async fn replace_in(
    db: &Db,
    tx: &mut Tx,
    key: &MfaKey,
    user_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    remove_in(tx, user_id).await?;
    let codes = new_codes();
    for code in &codes {
        let stored = typed(code).unwrap_or_default();
        sqlx::query(
            "INSERT INTO mfa_recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(key.recovery_digest(user_id, &stored))
        .bind(db.now_ms())
        .execute(&mut **tx)
        .await?;
    }
    Ok(codes)
}

/// Removes every code of `user_id` (turned off, reset by an administrator, or replaced).
pub async fn remove_in(tx: &mut Tx, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mfa_recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// How many of `user_id`'s codes are still unused.
pub async fn left(pool: &AnyPool, user_id: i64) -> Result<u32, sqlx::Error> {
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await?;
    Ok(u32::try_from(left).unwrap_or(0))
}

/// Uses up `code` when it is one of `user_id`'s unused codes. Two requests racing with one
/// code cannot both pass: only the update that finds it unused counts. A code that is not
/// even shaped like one is the field's error; any other miss is `Ok(false)`.
pub async fn use_code(db: &Db, key: &MfaKey, user_id: i64, code: &str) -> Result<bool, AppError> {
    let code = typed(code).ok_or_else(|| AppError::invalid("recovery_code", RECOVERY_MISSING))?;
    let done = sqlx::query(
        "UPDATE mfa_recovery_codes SET used_at = $1 \
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(db.now_ms())
    .bind(user_id)
    .bind(key.recovery_digest(user_id, &code))
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The field error for a code that was shaped right but did not sign anyone in.
pub fn wrong() -> AppError {
    AppError::invalid("recovery_code", RECOVERY_WRONG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_different_codes_each_read_back_as_typed() {
        let codes = new_codes();
        assert_eq!(codes.len(), HOW_MANY);
        for code in &codes {
            assert_eq!(code.len(), 11, "{code}");
            assert_eq!(&code[5..6], "-");
            let stored = typed(code).unwrap();
            assert_eq!(stored, code.replace('-', ""));
            // Copied by hand: upper case, spaces, look-alike letters.
            let by_hand = code
                .to_uppercase()
                .replace('-', " ")
                .replace('0', "O")
                .replace('1', "l");
            assert_eq!(
                typed(&by_hand).as_deref(),
                Some(stored.as_str()),
                "{by_hand}"
            );
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), HOW_MANY);
    }

    #[test]
    fn what_cannot_be_a_code_is_refused() {
        for bad in [
            "",
            "123456",
            "abcde-fghj",
            "abcde-fghjkm",
            "abcde-fghju",
            "abcde_fghjk",
        ] {
            assert_eq!(typed(bad), None, "{bad:?}");
        }
    }
}
