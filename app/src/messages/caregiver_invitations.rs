//! "Give someone access": a Veteran invites a caregiver by email address from Settings. The
//! emailed link works once, within its time, for a caregiver account signed in with that
//! address; accepting makes the grant (the same grant an administrator gives), and from then
//! on the caregiver reads and sends the Veteran's messages. The email does not name the
//! Veteran; the page behind the link does, after sign-in. Administrators still grant and
//! revoke as before.

use crate::error::AppError;
use crate::ui::{posted_error, ErrorSummary};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// Where the emailed link opens.
pub const ACCEPT_PATH: &str = "/caregiver-invitation";
/// How long an invitation's link works.
pub const INVITATION_DAYS: i64 = 14;

/// An invitation not yet accepted, as the Veteran's Settings lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub invitation_id: i64,
    pub email: String,
    /// "Dec 7, 2026", in the Veteran's time zone.
    pub sent: String,
}

/// The invitation form's data: the invitations still waiting, and the address a refused
/// post kept (`kept`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationsData {
    pub pending: Vec<PendingInvitation>,
    pub typed: String,
}

/// The asking Veteran's invitations that still wait; a caregiver has none to show.
#[server(endpoint = "caregiver_invitations", output = leptos::server_fn::codec::Postcard)]
pub async fn caregiver_invitations(kept: Option<String>) -> Result<InvitationsData, AppError> {
    use crate::server::access::{app_state, require_messaging};
    let capability = require_messaging(CaregiverInvitations::PATH).await?;
    let state = app_state()?;
    let typed = match kept {
        Some(token) => crate::ui::kept::kept_fields(&token)
            .await?
            .remove("caregiver_email")
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(InvitationsData {
        pending: ssr::pending(&state.db, &capability).await?,
        typed,
    })
}

/// Emails an invitation to `caregiver_email`.
#[server(endpoint = "invite_caregiver", output = leptos::server_fn::codec::Postcard)]
pub async fn invite_caregiver(caregiver_email: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_messaging};
    let capability = require_messaging(InviteCaregiver::PATH).await?;
    let state = app_state()?;
    let outcome = ssr::invite(
        &state.db,
        &state.config.public_url,
        &capability,
        &caregiver_email,
    )
    .await;
    match outcome {
        Ok(()) => {
            crate::ui::kept::go_back("/settings", "caregiver_invited");
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to(
                "/settings",
                InviteCaregiver::PATH,
                error.clone(),
                &[("caregiver_email", caregiver_email.as_str())],
            )
            .await;
            Err(error)
        }
    }
}

/// Withdraws one of the asking Veteran's invitations: its link stops working.
#[server(endpoint = "withdraw_caregiver_invitation", output = leptos::server_fn::codec::Postcard)]
pub async fn withdraw_caregiver_invitation(invitation_id: i64) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_messaging};
    let capability = require_messaging(WithdrawCaregiverInvitation::PATH).await?;
    let state = app_state()?;
    ssr::withdraw(&state.db, &capability, invitation_id).await?;
    crate::ui::kept::go_back("/settings", "invitation_withdrawn");
    Ok(())
}

/// The name of the Veteran whose invitation `token` is, when the asker may accept it; else
/// why not, in words. Only Veterans and caregivers are answered: clinicians and
/// administrators are refused like every other messaging function.
#[server(endpoint = "caregiver_invitation_offer", output = leptos::server_fn::codec::Postcard)]
pub async fn caregiver_invitation_offer(token: String) -> Result<Result<String, String>, AppError> {
    use crate::server::access::{app_state, require_messaging};
    let capability = require_messaging(CaregiverInvitationOffer::PATH).await?;
    let state = app_state()?;
    ssr::offer(&state.db, capability.user(), &token).await
}

/// Accepts the invitation `token` for the signed-in caregiver.
#[server(endpoint = "accept_caregiver_invitation", output = leptos::server_fn::codec::Postcard)]
pub async fn accept_caregiver_invitation(token: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, requester, require_messaging};
    let capability = require_messaging(AcceptCaregiverInvitation::PATH).await?;
    let state = app_state()?;
    match ssr::accept(&state.db, &capability, &token, &requester().ip).await {
        Ok(()) => {
            leptos_axum::redirect("/inbox?done=caregiver_access");
            Ok(())
        }
        Err(error) => {
            let back = format!("{ACCEPT_PATH}?token={}", crate::ui::encode(&token));
            crate::ui::kept::fail_to(&back, AcceptCaregiverInvitation::PATH, error.clone(), &[])
                .await;
            Err(error)
        }
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{PendingInvitation, ACCEPT_PATH, INVITATION_DAYS};
    use crate::auth::{Role, SignedInUser};
    use crate::email::ssr::{enqueue, letters, PublicUrl};
    use crate::error::AppError;
    use crate::server::access::MessagingCapability;
    use crate::server::audit::{self, Action, AuditEvent, Outcome};
    use crate::server::db::Db;
    use crate::server::link_tokens::{new_token, token_hash};
    use crate::server::users::{email_format_problem, normalize_email};

    /// Invitations one Veteran may send in an hour: enough for a typo or two, too few to
    /// flood someone's address.
    pub const PER_HOUR: i64 = 5;
    const HOUR_MS: i64 = 60 * 60 * 1000;
    const DAY_MS: i64 = 24 * HOUR_MS;

    pub const ONLY_VETERANS: &str = "Only the Veteran can give someone access to their messages.";
    pub const OWN_ADDRESS: &str =
        "Enter the email address of the person you want to give access to, not your own.";
    pub const ALREADY_HAS_ACCESS: &str = "This person already has access to your messages.";
    pub const TOO_MANY: &str =
        "You sent 5 invitations in the last hour. Wait an hour, then try again.";
    pub const LINK_DOES_NOT_WORK: &str = "This invitation doesn't work. It may have expired, been used already, or been withdrawn. Ask the Veteran to send a new one.";
    pub const OTHER_ADDRESS: &str = "This invitation was sent to another email address. Sign out, then sign in with the address the invitation was sent to.";
    pub const NOT_A_CAREGIVER: &str = "Only caregiver accounts can accept an invitation to help with a Veteran's messages. Ask the Veteran's VA facility to set up a caregiver account for this email address.";

    /// The asking Veteran, or `Forbidden` for a caregiver (only the Veteran decides who
    /// sees their messages).
    fn veteran(capability: &MessagingCapability) -> Result<&SignedInUser, AppError> {
        let person = capability.user();
        if person.role == Role::Veteran {
            Ok(person)
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub async fn pending(
        db: &Db,
        capability: &MessagingCapability,
    ) -> Result<Vec<PendingInvitation>, AppError> {
        let Ok(veteran) = veteran(capability) else {
            return Ok(Vec::new());
        };
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT id, email, created_at FROM caregiver_invitations \
             WHERE veteran_id = $1 AND ended_at IS NULL AND expires_at > $2 \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(veteran.id)
        .bind(db.now_ms())
        .fetch_all(&db.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(invitation_id, email, created_at)| PendingInvitation {
                invitation_id,
                email,
                sent: crate::server::clock::date(created_at, &veteran.time_zone),
            })
            .collect())
    }

    /// Checks the address, ends any earlier invitation to it, stores the new one and
    /// emails its link, in one transaction with the audit event.
    pub async fn invite(
        db: &Db,
        site: &PublicUrl,
        capability: &MessagingCapability,
        typed_email: &str,
    ) -> Result<(), AppError> {
        let veteran =
            veteran(capability).map_err(|_| AppError::invalid("caregiver_email", ONLY_VETERANS))?;
        let email = normalize_email(typed_email);
        if let Some(problem) = email_format_problem(&email) {
            let problem = if email.is_empty() {
                "Enter the email address of the person you want to give access to."
            } else {
                problem
            };
            return Err(AppError::invalid("caregiver_email", problem));
        }
        if email == veteran.email {
            return Err(AppError::invalid("caregiver_email", OWN_ADDRESS));
        }
        let now = db.now_ms();
        let mut tx = db.begin_write().await?;
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM caregiver_invitations WHERE veteran_id = $1 AND created_at > $2",
        )
        .bind(veteran.id)
        .bind(now - HOUR_MS)
        .fetch_one(&mut *tx)
        .await?;
        if recent >= PER_HOUR {
            return Err(AppError::invalid("caregiver_email", TOO_MANY));
        }
        let has_access: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM caregiver_grants g JOIN users u ON u.id = g.caregiver_id \
             WHERE g.veteran_id = $1 AND g.revoked_at IS NULL AND u.email = $2",
        )
        .bind(veteran.id)
        .bind(&email)
        .fetch_one(&mut *tx)
        .await?;
        if has_access > 0 {
            return Err(AppError::invalid("caregiver_email", ALREADY_HAS_ACCESS));
        }
        // One live invitation per address: a new one replaces the last.
        sqlx::query(
            "UPDATE caregiver_invitations SET ended_at = $1 \
             WHERE veteran_id = $2 AND email = $3 AND ended_at IS NULL",
        )
        .bind(now)
        .bind(veteran.id)
        .bind(&email)
        .execute(&mut *tx)
        .await?;
        let (token, hash) = new_token();
        let invitation_id: i64 = sqlx::query_scalar(
            "INSERT INTO caregiver_invitations \
             (veteran_id, email, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(veteran.id)
        .bind(&email)
        .bind(hash)
        .bind(now)
        .bind(now + INVITATION_DAYS * DAY_MS)
        .fetch_one(&mut *tx)
        .await?;
        let link = format!("{ACCEPT_PATH}?token={token}");
        enqueue(
            &mut tx,
            site,
            &letters::caregiver_invitation(site, &email, &link, INVITATION_DAYS),
        )
        .await?;
        audit::record(
            &mut *tx,
            &veteran_event(Action::CaregiverInvited, capability, invitation_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the asking Veteran did to one of their invitations, for the audit trail.
    fn veteran_event(
        action: Action,
        capability: &MessagingCapability,
        invitation_id: i64,
    ) -> AuditEvent {
        let veteran = capability.user().id;
        AuditEvent::new(action, Outcome::Success)
            .actor(veteran)
            .patient(veteran)
            .target(format!("caregiver_invitation:{invitation_id}"))
            .from_address(capability.address().unwrap_or_default())
    }

    /// Ends one of the asking Veteran's waiting invitations (`NotFound` for anyone else's).
    pub async fn withdraw(
        db: &Db,
        capability: &MessagingCapability,
        invitation_id: i64,
    ) -> Result<(), AppError> {
        let veteran = veteran(capability)?;
        let mut tx = db.begin_write().await?;
        let ended = sqlx::query(
            "UPDATE caregiver_invitations SET ended_at = $1 \
             WHERE id = $2 AND veteran_id = $3 AND ended_at IS NULL",
        )
        .bind(db.now_ms())
        .bind(invitation_id)
        .bind(veteran.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if ended == 0 {
            return Err(AppError::NotFound);
        }
        audit::record(
            &mut *tx,
            &veteran_event(
                Action::CaregiverInvitationWithdrawn,
                capability,
                invitation_id,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A live invitation by its token: (id, Veteran's id, Veteran's name, invited address).
    async fn live_invitation(
        connection: &mut sqlx::AnyConnection,
        token: &str,
        now: i64,
    ) -> Result<Option<(i64, i64, String, String)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT i.id, i.veteran_id, u.name, i.email FROM caregiver_invitations i \
             JOIN users u ON u.id = i.veteran_id \
             WHERE i.token_hash = $1 AND i.ended_at IS NULL AND i.expires_at > $2 \
             AND u.active = 1",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(connection)
        .await
    }

    /// Why `person` may not accept this invitation, or `None` when they may.
    fn refusal(person: &SignedInUser, invited: &str) -> Option<&'static str> {
        if person.email != invited {
            Some(OTHER_ADDRESS)
        } else if person.role != Role::Caregiver {
            Some(NOT_A_CAREGIVER)
        } else {
            None
        }
    }

    /// The inviting Veteran's name when `person` may accept `token`, else why not. The name
    /// is shown only to the person the invitation was sent to.
    pub async fn offer(
        db: &Db,
        person: &SignedInUser,
        token: &str,
    ) -> Result<Result<String, String>, AppError> {
        let mut connection = db.pool.acquire().await?;
        let found = live_invitation(&mut connection, token, db.now_ms()).await?;
        Ok(match found {
            None => Err(LINK_DOES_NOT_WORK.to_string()),
            Some((_, _, name, invited)) => match refusal(person, &invited) {
                Some(why) => Err(why.to_string()),
                None => Ok(name),
            },
        })
    }

    /// Accepts `token` for the asking caregiver: the grant starts now, the invitation ends,
    /// audited, in one transaction.
    pub async fn accept(
        db: &Db,
        capability: &MessagingCapability,
        token: &str,
        ip: &str,
    ) -> Result<(), AppError> {
        let person = capability.user();
        let now = db.now_ms();
        let mut tx = db.begin_write().await?;
        let Some((invitation_id, veteran_id, _, invited)) =
            live_invitation(&mut tx, token, now).await?
        else {
            return Err(AppError::Conflict {
                message: LINK_DOES_NOT_WORK.to_string(),
            });
        };
        if let Some(why) = refusal(person, &invited) {
            return Err(AppError::Conflict {
                message: why.to_string(),
            });
        }
        // A grant made meanwhile (by an administrator) stands: no second one.
        let grant_id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO caregiver_grants (caregiver_id, veteran_id, granted_at) \
             SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM caregiver_grants \
             WHERE caregiver_id = $1 AND veteran_id = $2 AND revoked_at IS NULL) RETURNING id",
        )
        .bind(person.id)
        .bind(veteran_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE caregiver_invitations SET ended_at = $1, accepted_by = $2 WHERE id = $3",
        )
        .bind(now)
        .bind(person.id)
        .bind(invitation_id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            &AuditEvent::new(Action::CaregiverAccessGranted, Outcome::Success)
                .actor(person.id)
                .patient(veteran_id)
                .target(format!(
                    "caregiver_grant:{}:caregiver:{}",
                    grant_id.map(|id| id.to_string()).unwrap_or_default(),
                    person.id
                ))
                .from_address(ip)
                .detail(serde_json::json!({ "invitation": invitation_id })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// "Give someone access" and the invitations still waiting: part of the Veteran's
/// "Who can see my messages".
#[component]
pub fn InviteCaregiver() -> impl IntoView {
    let query = use_query_map();
    let kept = query.read_untracked().get("kept");
    let data = crate::ui::page_data(move || kept.clone(), caregiver_invitations);
    let error = posted_error(&[InviteCaregiver::PATH, WithdrawCaregiverInvitation::PATH]);
    let done = error
        .is_none()
        .then(|| query.read_untracked().get("done"))
        .flatten();
    let status = match done.as_deref() {
        Some("caregiver_invited") => Some(format!(
            "We emailed the invitation. Their access starts when they accept it, within {INVITATION_DAYS} days."
        )),
        Some("invitation_withdrawn") => Some("The invitation is withdrawn. Its link no longer works.".to_string()),
        _ => None,
    };
    let field_error = error.as_ref().and_then(|e| e.field("caregiver_email"));
    view! {
        <h3>"Give someone access"</h3>
        <ErrorSummary error=Signal::stored(error.clone()) />
        {status.map(|text| view! {
            <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
                <div class="usa-alert__body"><p class="usa-alert__text">{text}</p></div>
            </div>
        })}
        {crate::ui::loaded(data, "Loading your invitations…", move |data| {
            view! { <InviteForm data field_error=field_error.clone() /> }.into_any()
        })}
    }
}

/// The form, and below it the invitations that wait.
#[component]
fn InviteForm(data: InvitationsData, field_error: Option<String>) -> impl IntoView {
    let has_error = field_error.is_some();
    let described_by = if has_error {
        "caregiver_email-hint caregiver_email-error"
    } else {
        "caregiver_email-hint"
    };
    let pending = data.pending;
    view! {
        <form class="usa-form" method="post" action=InviteCaregiver::PATH novalidate>
            <div class="usa-form-group" class:usa-form-group--error=has_error>
                <label class="usa-label" class:usa-label--error=has_error for="caregiver_email">"Their email address"</label>
                <span class="usa-hint" id="caregiver_email-hint">
                    {format!("We'll email them an invitation. They accept it by signing in with this address, within {INVITATION_DAYS} days. Then they can read and send your messages for you.")}
                </span>
                {field_error.map(|message| view! {
                    <span class="usa-error-message" id="caregiver_email-error" role="alert">
                        <span class="usa-sr-only">"Error: "</span>{message}
                    </span>
                })}
                <input class="usa-input" class:usa-input--error=has_error id="caregiver_email"
                    name="caregiver_email" type="email" autocomplete="off" value=data.typed
                    aria-invalid=has_error.to_string() aria-describedby=described_by />
            </div>
            <button type="submit" class="usa-button">"Send invitation"</button>
        </form>
        {(!pending.is_empty()).then(|| view! {
            <h3>"Waiting to be accepted"</h3>
            <ul class="usa-list usa-list--unstyled sm-grants">
                {pending.into_iter().map(|invitation| view! {
                    <li class="sm-grant">
                        <p><strong>{invitation.email.clone()}</strong>", invited "{invitation.sent}</p>
                        <form method="post" action=WithdrawCaregiverInvitation::PATH>
                            <input type="hidden" name="invitation_id" value=invitation.invitation_id.to_string() />
                            <button type="submit" class="usa-button usa-button--outline"
                                aria-label=format!("Withdraw invitation to {}", invitation.email)>
                                "Withdraw invitation"
                            </button>
                        </form>
                    </li>
                }).collect_view()}
            </ul>
        })}
    }
}

/// `/caregiver-invitation?token=…`: where the emailed link opens, after sign-in. It changes
/// nothing by itself (mail scanners open links); the caregiver accepts with a button.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    view! {
        <crate::ui::Gate area=crate::auth::Area::Account>
            <AcceptInvitation />
        </crate::ui::Gate>
    }
}

#[component]
fn AcceptInvitation() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let error = posted_error(&[AcceptCaregiverInvitation::PATH]);
    let lookup = token.clone();
    let offer = crate::ui::page_data(move || lookup.clone(), caregiver_invitation_offer);
    view! {
        {crate::ui::loaded(offer, "Loading the invitation…", move |offer| match offer {
            Ok(veteran) => view! {
                <Title text="Accept the invitation" />
                <h1>"Help with " {veteran.clone()} "'s messages?"</h1>
                <ErrorSummary error=Signal::stored(error.clone()) />
                <p>{format!("{veteran} invited you to read and send their VA secure messages for them. Every message you send says it was sent on their behalf. {veteran} can end your access at any time.")}</p>
                <form class="usa-form" method="post" action=AcceptCaregiverInvitation::PATH>
                    <input type="hidden" name="token" value=token.clone() />
                    <button type="submit" class="usa-button">"Accept"</button>
                </form>
                <p><a href="/">"Not now"</a></p>
            }
            .into_any(),
            Err(why) => view! {
                <Title text="This invitation doesn't work" />
                <h1>"This invitation doesn't work"</h1>
                <ErrorSummary error=Signal::stored(error.clone()) />
                <p>{why}</p>
            }
            .into_any(),
        })}
    }
}
