//! Making and checking codes with `totp-rs` (RFC 6238 with the values every authenticator
//! app understands: HMAC-SHA-1, 6 digits, 30-second steps), and drawing the QR code.

use crate::error::AppError;
use crate::mfa::SetUpKey;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use rand::RngCore;
use totp_rs::{Algorithm, TOTP};

/// Seconds per time step (RFC 6238 §5.2 recommends 30).
pub const STEP_SECONDS: u64 = 30;
/// 160 random bits, the length RFC 4226 §4 recommends for HMAC-SHA-1.
pub const SECRET_BYTES: usize = 20;
/// How many steps either side of now a code may come from: a clock a little off, or a code
/// typed just as it changed (RFC 6238 §5.2: "at most one time step").
pub const ALLOWED_DRIFT_STEPS: u64 = 1;
/// The name the authenticator app shows above the code.
pub const ISSUER: &str = "Secure Messaging";

pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// Seconds since the Unix epoch.
pub fn unix_seconds() -> u64 {
    u64::try_from(crate::server::now_ms() / 1000).unwrap_or(0)
}

/// The RFC 6238 counter at `unix_seconds`.
pub fn step_at(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// A generator for one secret. Skew 0: `matching_step` walks the allowed steps itself, so
/// it knows which one matched (replay protection needs it).
fn generator(secret: &[u8], account: &str) -> Result<TOTP, AppError> {
    // The label is "issuer:account": a colon in an email address would split it wrongly.
    let account = account.replace(':', "");
    TOTP::new(
        Algorithm::SHA1,
        6,
        0,
        STEP_SECONDS,
        secret.to_vec(),
        Some(ISSUER.to_string()),
        account,
    )
    .map_err(AppError::internal)
}

/// The step this code belongs to: now, one before or one after, the latest first. The
/// comparison is constant-time (`TOTP::check`).
pub fn matching_step(
    secret: &[u8],
    code: &str,
    unix_seconds: u64,
) -> Result<Option<u64>, AppError> {
    let totp = generator(secret, "")?;
    let now = step_at(unix_seconds);
    let latest = now + ALLOWED_DRIFT_STEPS;
    let earliest = now.saturating_sub(ALLOWED_DRIFT_STEPS);
    Ok((earliest..=latest)
        .rev()
        .find(|step| totp.check(code, step * STEP_SECONDS)))
}

/// The key in groups of four ("ABCD EFGH …"), easier to read and type than 32 letters.
pub fn grouped(base32: &str) -> String {
    base32
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the set-up page shows: the key as text and the `otpauth://` address as a QR code.
pub fn set_up_key(secret: &[u8], account: &str) -> Result<SetUpKey, AppError> {
    use qrcode::render::svg;
    let totp = generator(secret, account)?;
    let address = totp.get_url();
    let svg = qrcode::QrCode::new(address.as_bytes())
        .map_err(AppError::internal)?
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(SetUpKey {
        key_text: grouped(&totp.get_secret_base32()),
        account: account.to_string(),
        qr_image: format!("data:image/svg+xml;base64,{}", BASE64.encode(svg)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 seed and its 8-digit answers, whose last six digits are
    /// the 6-digit codes.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        for (time, eight_digits) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            let code = &eight_digits[2..];
            assert_eq!(
                matching_step(RFC_SECRET, code, time).unwrap(),
                Some(step_at(time)),
                "{time}"
            );
        }
    }

    #[test]
    fn a_code_from_one_step_either_side_matches_but_no_further() {
        let totp = generator(RFC_SECRET, "").unwrap();
        let now = 1_234_567_890;
        let step = step_at(now);
        for offset in [-1i64, 0, 1] {
            let when = (step as i64 + offset) as u64 * STEP_SECONDS;
            assert_eq!(
                matching_step(RFC_SECRET, &totp.generate(when), now).unwrap(),
                Some(when / STEP_SECONDS),
                "offset {offset}"
            );
        }
        for offset in [-2i64, 2] {
            let when = (step as i64 + offset) as u64 * STEP_SECONDS;
            assert_eq!(
                matching_step(RFC_SECRET, &totp.generate(when), now).unwrap(),
                None,
                "offset {offset}"
            );
        }
    }

    #[test]
    fn the_set_up_key_reads_in_groups_and_the_qr_code_is_an_image() {
        let key = set_up_key(&new_secret(), "alex@example.com").unwrap();
        let groups: Vec<&str> = key.key_text.split(' ').collect();
        assert_eq!(groups.len(), 8, "{}", key.key_text);
        assert!(groups.iter().all(|g| g.len() == 4));
        assert!(key.qr_image.starts_with("data:image/svg+xml;base64,"));
        let svg = BASE64
            .decode(
                key.qr_image
                    .trim_start_matches("data:image/svg+xml;base64,"),
            )
            .unwrap();
        assert!(String::from_utf8(svg).unwrap().contains("<svg"));
    }

    #[test]
    fn the_address_names_the_issuer_and_the_account() {
        let totp = generator(RFC_SECRET, "alex@example.com").unwrap();
        let address = totp.get_url();
        assert!(
            address.starts_with("otpauth://totp/Secure%20Messaging:alex%40example.com?secret="),
            "{address}"
        );
        assert!(address.contains("issuer=Secure%20Messaging"), "{address}");
    }
}
