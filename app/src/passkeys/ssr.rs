//! Passkeys on the server: the relying party, the ceremonies (each a challenge kept in the
//! person's server-side session and used once), and the `passkeys` table.

use super::{CEREMONY_MINUTES, DID_NOT_WORK, TOO_LATE};
use crate::account::ssr::SecondStep;
use crate::auth::SignedInUser;
use crate::email::ssr::{enqueue, letters, PublicUrl};
use crate::error::AppError;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::{is_unique_violation, Db, Tx};
use crate::server::users;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AnyPool;
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Url, Uuid, Webauthn, WebauthnBuilder,
};

/// The session key of the ceremony waiting for the browser's answer.
const CEREMONY_KEY: &str = "passkey_ceremony";

/// The relying party for the site at `origin` (`SM_PUBLIC_URL`). WebAuthn names a relying
/// party by its domain and has none for an IP address: a site reached at a loopback
/// address (a demo, the tests) is named `localhost`, so its passkeys work when it is
/// opened at `http://localhost:<port>`. `None` for any other IP address.
pub fn relying_party(origin: &str) -> Option<Webauthn> {
    let mut url = Url::parse(origin).ok()?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(ip.is_loopback()),
        Some(url::Host::Ipv6(ip)) => Some(ip.is_loopback()),
        Some(url::Host::Domain(_)) => None,
        None => return None,
    };
    match loopback {
        Some(true) => url.set_host(Some("localhost")).ok()?,
        Some(false) => {
            tracing::warn!("passkeys are off: SM_PUBLIC_URL is an IP address, and WebAuthn needs a domain name");
            return None;
        }
        None => {}
    }
    let rp_id = url.host_str()?.to_string();
    let built = WebauthnBuilder::new(&rp_id, &url)
        .and_then(|builder| builder.rp_name("Secure Messaging").build());
    match built {
        Ok(webauthn) => Some(webauthn),
        Err(error) => {
            tracing::warn!(%error, "passkeys are off: the public address names no relying party");
            None
        }
    }
}

/// A ceremony the browser has not answered yet.
#[derive(Debug, Serialize, Deserialize)]
pub enum Waiting {
    /// Settings → "Add a passkey", for the signed-in person.
    Adding {
        user_id: i64,
        /// The id the new passkey keeps for the account, kept with it.
        handle: Uuid,
        state: PasskeyRegistration,
    },
    /// "Sign in with a passkey": anyone's discoverable passkey.
    SigningIn {
        next: Option<String>,
        state: DiscoverableAuthentication,
    },
    /// The second step of a sign-in whose password was right: one of that person's
    /// passkeys; `next` is where that sign-in was going.
    SecondStep {
        user_id: i64,
        next: Option<String>,
        state: PasskeyAuthentication,
    },
}

#[derive(Serialize, Deserialize)]
struct Ceremony {
    waiting: Waiting,
    since_ms: i64,
}

/// Keeps `waiting` for the browser's answer, in place of any earlier one.
pub async fn keep(
    session: &tower_sessions::Session,
    db: &Db,
    waiting: Waiting,
) -> Result<(), AppError> {
    let ceremony = Ceremony {
        waiting,
        since_ms: db.now_ms(),
    };
    session.insert(CEREMONY_KEY, ceremony).await?;
    Ok(())
}

/// Takes the waiting ceremony out of the session: an answer is checked against it once,
/// right or wrong, so a replayed answer finds nothing. One older than `CEREMONY_MINUTES`
/// is refused.
pub async fn take(session: &tower_sessions::Session, db: &Db) -> Result<Waiting, AppError> {
    let Some(ceremony) = session.remove::<Ceremony>(CEREMONY_KEY).await? else {
        return Err(AppError::invalid("passkey", DID_NOT_WORK));
    };
    let age = db.now_ms() - ceremony.since_ms;
    if !(0..CEREMONY_MINUTES * 60_000).contains(&age) {
        return Err(AppError::invalid("passkey", TOO_LATE));
    }
    Ok(ceremony.waiting)
}

/// The options for adding a passkey to `user`'s account: their passkeys so far are
/// excluded (a device cannot be added twice), and the browser is asked to keep it on the
/// device so it can later sign in without an email address.
pub async fn start_adding(
    rp: &Webauthn,
    db: &Db,
    user: &SignedInUser,
) -> Result<(CreationChallengeResponse, Waiting), AppError> {
    let handle = user_handle(&db.pool, user.id)
        .await?
        .unwrap_or_else(Uuid::new_v4);
    let existing = credential_ids(&db.pool, user.id).await?;
    let (mut options, state) = rp
        .start_passkey_registration(handle, &user.email, &user.name, Some(existing))
        .map_err(AppError::internal)?;
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(webauthn_rs_proto::ResidentKeyRequirement::Preferred);
    }
    Ok((
        options,
        Waiting::Adding {
            user_id: user.id,
            handle,
            state,
        },
    ))
}

/// What the person sent to add a passkey: the browser's new credential (JSON) and the
/// name they gave it.
pub struct NewPasskey<'a> {
    pub credential: &'a str,
    pub name: &'a str,
}

/// Checks the browser's new passkey against the ceremony and keeps it under its name;
/// the person is emailed (links in it point at `site`).
pub async fn finish_adding(
    rp: &Webauthn,
    db: &Db,
    site: &PublicUrl,
    user: &SignedInUser,
    waiting: Waiting,
    new: NewPasskey<'_>,
    ip: &str,
) -> Result<(), AppError> {
    let NewPasskey { credential, name } = new;
    let Waiting::Adding {
        user_id,
        handle,
        state,
    } = waiting
    else {
        return Err(AppError::invalid("passkey", TOO_LATE));
    };
    if user_id != user.id {
        return Err(AppError::invalid("passkey", TOO_LATE));
    }
    let not_added = || {
        AppError::invalid(
            "passkey",
            "Your passkey wasn't added. Please try again, or use another device.",
        )
    };
    let credential: RegisterPublicKeyCredential =
        serde_json::from_str(credential).map_err(|_| not_added())?;
    let passkey = rp
        .finish_passkey_registration(&credential, &state)
        .map_err(|error| {
            tracing::info!(%error, "a new passkey was refused");
            not_added()
        })?;
    // Stored, audited and told by email together: a passkey nobody was told of is never
    // left behind.
    let mut tx = db.begin_write().await?;
    // `user` was read from the database for this request: its address is the current one.
    let id = add(&mut tx, user.id, handle, name, &passkey).await?;
    enqueue(&mut tx, site, &letters::passkey_added(site, &user.email)).await?;
    audit::record(
        &mut *tx,
        &AuditEvent::new(Action::PasskeyAdded, Outcome::Success)
            .actor(user.id)
            .target(format!("passkey:{id}"))
            .from_address(ip),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The options for "Sign in with a passkey": any passkey of this site the device holds.
pub fn start_signing_in(
    rp: &Webauthn,
    next: Option<String>,
) -> Result<(RequestChallengeResponse, Waiting), AppError> {
    let (options, state) = rp
        .start_discoverable_authentication()
        .map_err(AppError::internal)?;
    Ok((options, Waiting::SigningIn { next, state }))
}

/// The options for the second step of `user_id`'s sign-in, going on to `next`: one of
/// their passkeys.
pub async fn start_second_step(
    rp: &Webauthn,
    db: &Db,
    user_id: i64,
    next: Option<String>,
) -> Result<(RequestChallengeResponse, Waiting), AppError> {
    let passkeys: Vec<Passkey> = of_user(&db.pool, user_id)
        .await?
        .into_iter()
        .map(|stored| stored.passkey)
        .collect();
    if passkeys.is_empty() {
        return Err(AppError::invalid("passkey", DID_NOT_WORK));
    }
    let (options, state) = rp
        .start_passkey_authentication(&passkeys)
        .map_err(AppError::internal)?;
    Ok((
        options,
        Waiting::SecondStep {
            user_id,
            next,
            state,
        },
    ))
}

/// Checks the browser's answer to a sign-in ceremony: who it signs in, and where they were
/// going. Runs under the same limits as passwords and
/// codes once the passkey names an account, and is audited as a `sign_in` with
/// `"step": "passkey"`. Every refusal says the same.
pub async fn finish_signing_in(
    rp: &Webauthn,
    db: &Db,
    waiting: Waiting,
    credential: &str,
    ip: &str,
) -> Result<(SignedInUser, Option<String>), AppError> {
    let refused = || AppError::invalid("passkey", DID_NOT_WORK);
    let credential: PublicKeyCredential =
        serde_json::from_str(credential).map_err(|_| refused())?;
    let credential_id = URL_SAFE_NO_PAD.encode(credential.get_credential_id());
    let stored = by_credential(&db.pool, &credential_id).await?;
    let Some(stored) = stored else {
        unknown_passkey(db, ip).await?;
        return Err(refused());
    };
    let (next, checked) = match &waiting {
        Waiting::SigningIn { next, state } => {
            // The passkey must say whose it is, and say the same as our record of it.
            let (handle, _) = rp
                .identify_discoverable_authentication(&credential)
                .map_err(|_| refused())?;
            let checked = if handle.to_string() == stored.user_handle {
                rp.finish_discoverable_authentication_v2(
                    &credential,
                    state.clone(),
                    &stored.passkey,
                )
            } else {
                Err(webauthn_rs::prelude::WebauthnError::InvalidUserUniqueId)
            };
            (next.clone(), checked)
        }
        Waiting::SecondStep {
            user_id,
            next,
            state,
        } if *user_id == stored.user_id => (
            next.clone(),
            rp.finish_passkey_authentication(&credential, state),
        ),
        _ => return Err(refused()),
    };
    let Some(user) = users::active_user(&db.pool, stored.user_id).await? else {
        return Err(refused());
    };
    let second = SecondStep {
        user: &user,
        ip,
        step: "passkey",
    };
    let guess = second.turn(db).await?;
    match checked {
        Ok(result) => {
            guess.not_counted(&db.pool).await?;
            let mut passkey = stored.passkey;
            passkey.update_credential(&result);
            used(db, stored.id, &passkey).await?;
            let event = second.event(Outcome::Success, json!({ "passkey": stored.id }));
            audit::record(&db.pool, &event).await?;
            Ok((user, next))
        }
        Err(error) => {
            tracing::info!(%error, "a passkey sign-in was refused");
            guess.failed();
            let event = second.event(
                Outcome::Failure,
                json!({ "reason": "passkey_refused", "passkey": stored.id }),
            );
            audit::record(&db.pool, &event).await?;
            Err(refused())
        }
    }
}

/// A sign-in with a passkey nobody here has: audited, with no account to name.
async fn unknown_passkey(db: &Db, ip: &str) -> Result<(), AppError> {
    let event = AuditEvent::new(Action::SignIn, Outcome::Failure)
        .from_address(ip)
        .detail(json!({ "step": "passkey", "reason": "unknown_passkey" }));
    audit::record(&db.pool, &event).await?;
    Ok(())
}

/// A passkey as stored.
pub struct Stored {
    pub id: i64,
    pub user_id: i64,
    pub user_handle: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub passkey: Passkey,
}

const COLUMNS: &str = "id, user_id, user_handle, name, created_at, last_used_at, passkey";

/// A `passkeys` row as read; its `passkey` column is webauthn-rs's record as JSON.
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    user_id: i64,
    user_handle: String,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
    passkey: String,
}

impl TryFrom<Row> for Stored {
    type Error = sqlx::Error;

    fn try_from(row: Row) -> Result<Stored, sqlx::Error> {
        let passkey =
            serde_json::from_str(&row.passkey).map_err(|error| sqlx::Error::ColumnDecode {
                index: "passkey".to_string(),
                source: Box::new(error),
            })?;
        Ok(Stored {
            id: row.id,
            user_id: row.user_id,
            user_handle: row.user_handle,
            name: row.name,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            passkey,
        })
    }
}

/// `user_id`'s passkeys, oldest first.
pub async fn of_user(pool: &AnyPool, user_id: i64) -> Result<Vec<Stored>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Stored::try_from).collect()
}

/// Whether `user_id` has any passkey.
pub async fn has_any(pool: &AnyPool, user_id: i64) -> Result<bool, sqlx::Error> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    Ok(count > 0)
}

/// The passkey with this credential id (base64url), whoever's it is.
pub async fn by_credential(
    pool: &AnyPool,
    credential_id: &str,
) -> Result<Option<Stored>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1"
    ))
    .bind(credential_id)
    .fetch_optional(pool)
    .await?;
    row.map(Stored::try_from).transpose()
}

/// The id the authenticators keep for `user_id`'s account, once they have a passkey.
async fn user_handle(pool: &AnyPool, user_id: i64) -> Result<Option<Uuid>, sqlx::Error> {
    let handle: Option<String> =
        sqlx::query_scalar("SELECT user_handle FROM passkeys WHERE user_id = $1 LIMIT 1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(handle.and_then(|handle| Uuid::parse_str(&handle).ok()))
}

async fn credential_ids(pool: &AnyPool, user_id: i64) -> Result<Vec<Vec<u8>>, sqlx::Error> {
    Ok(of_user(pool, user_id)
        .await?
        .iter()
        .map(|stored| stored.passkey.cred_id().clone())
        .collect())
}

/// Keeps a new passkey of `user_id`; answers its id. A passkey already kept (for anyone)
/// is refused: a credential belongs to one account.
pub async fn add(
    tx: &mut Tx,
    user_id: i64,
    handle: Uuid,
    name: &str,
    passkey: &Passkey,
) -> Result<i64, AppError> {
    let name = super::typed_name(name)?;
    let json = serde_json::to_string(passkey).map_err(AppError::internal)?;
    let added = sqlx::query_scalar(
        "INSERT INTO passkeys (user_id, user_handle, credential_id, name, passkey, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(handle.to_string())
    .bind(URL_SAFE_NO_PAD.encode(passkey.cred_id()))
    .bind(&name)
    .bind(json)
    .bind(tx.now_ms())
    .fetch_one(&mut **tx)
    .await;
    match added {
        Ok(id) => Ok(id),
        Err(error) if is_unique_violation(&error) => Err(AppError::invalid(
            "passkey",
            "This passkey is already added to an account.",
        )),
        Err(error) => Err(error.into()),
    }
}

/// After a sign-in: the passkey's new signature counter and the time it was used.
async fn used(db: &Db, id: i64, passkey: &Passkey) -> Result<(), AppError> {
    let json = serde_json::to_string(passkey).map_err(AppError::internal)?;
    sqlx::query("UPDATE passkeys SET passkey = $1, last_used_at = $2 WHERE id = $3")
        .bind(json)
        .bind(db.now_ms())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Removes `user_id`'s passkey `id`, audited. Somebody else's passkey is `NotFound`, the
/// same as one that does not exist.
pub async fn remove(db: &Db, user_id: i64, id: i64, ip: &str) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &db.pool,
        &AuditEvent::new(Action::PasskeyRemoved, Outcome::Success)
            .actor(user_id)
            .target(format!("passkey:{id}"))
            .from_address(ip),
    )
    .await?;
    Ok(())
}

/// Removes every passkey of `user_id` inside `tx` (an administrator's two-step reset).
pub async fn remove_all_in(
    tx: &mut crate::server::db::Tx,
    user_id: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// `user`'s passkeys as Settings lists them, dates in their own time zone.
pub async fn listed(db: &Db, user: &SignedInUser) -> Result<Vec<super::PasskeyListed>, AppError> {
    let when = |ms: i64| crate::server::clock::date_time(ms, &user.time_zone);
    Ok(of_user(&db.pool, user.id)
        .await?
        .into_iter()
        .map(|stored| super::PasskeyListed {
            id: stored.id,
            name: stored.name,
            added: when(stored.created_at),
            last_used: stored.last_used_at.map(when),
        })
        .collect())
}
