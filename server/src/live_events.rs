//! `/events`: the live-update stream of one open page (server-sent events, issue 4).
//!
//! The gate has already checked who is asking. Each event from the hub is passed on only
//! to those allowed to see its thread: the members of its team (and of the team it left),
//! the Veteran, and caregivers with live access. Whether the person may still see it is
//! checked again for each event, so a deactivated account or a revoked caregiver hears
//! nothing more. What goes out is an id (`LiveEvent`), never content.

use app::auth::{Role, SignedInUser};
use app::live::LiveEvent;
use app::server::events::HubEvent;
use app::server::state::AppState;
use app::server::users;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use futures_util::stream::{self, Stream};
use sqlx::AnyPool;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

pub async fn events(
    State(state): State<AppState>,
    Extension(person): Extension<SignedInUser>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.events.subscribe();
    let stream = stream::unfold(
        (receiver, state, person),
        |(mut receiver, state, person)| async move {
            loop {
                let event = match receiver.recv().await {
                    Ok(event) => event,
                    // Fell behind: say "something changed" so the page reloads what it shows.
                    Err(RecvError::Lagged(_)) => {
                        let reload = LiveEvent::ThreadChanged { thread_id: 0 };
                        return Some((Ok(sse(&reload)), (receiver, state, person)));
                    }
                    Err(RecvError::Closed) => return None,
                };
                match for_person(&state.db.pool, &person, event).await {
                    Ok(Some(live)) => return Some((Ok(sse(&live)), (receiver, state, person))),
                    Ok(None) => continue,
                    // Signed out, deactivated or the database is gone: end the stream.
                    Err(()) => return None,
                }
            }
        },
    );
    // A comment every 20 s keeps proxies from closing a quiet stream.
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
}

fn sse(event: &LiveEvent) -> Event {
    Event::default().data(serde_json::to_string(event).unwrap_or_default())
}

/// What `person` may hear of `event`: `Ok(None)` when it is not theirs, `Err` when they
/// may hear nothing at all any more.
async fn for_person(
    pool: &AnyPool,
    person: &SignedInUser,
    event: HubEvent,
) -> Result<Option<LiveEvent>, ()> {
    let (thread_id, teams, veteran_id, replying) = match event {
        HubEvent::ThreadChanged {
            thread_id,
            team_id,
            veteran_id,
            previous_team_id,
        } => (
            thread_id,
            [Some(team_id), previous_team_id],
            Some(veteran_id),
            None,
        ),
        HubEvent::Replying {
            thread_id,
            team_id,
            user_id,
            name,
        } => {
            // Not to the person typing, and never to the Veteran's side.
            if user_id == person.id {
                return Ok(None);
            }
            (thread_id, [Some(team_id), None], None, Some(name))
        }
    };
    let allowed = match person.role {
        Role::Clinician => {
            let mut member = false;
            for team_id in teams.into_iter().flatten() {
                member |= is_member(pool, person.id, team_id).await?;
            }
            member
        }
        Role::Veteran => veteran_id == Some(person.id),
        Role::Caregiver => match veteran_id {
            Some(veteran_id) => has_live_grant(pool, person.id, veteran_id).await?,
            None => false,
        },
        Role::Administrator => false,
    };
    if !allowed {
        return Ok(None);
    }
    // Still an active account (deactivation ends everything at once).
    if !matches!(users::active_user(pool, person.id).await, Ok(Some(_))) {
        return Err(());
    }
    Ok(Some(match replying {
        Some(name) => LiveEvent::Replying { thread_id, name },
        None => LiveEvent::ThreadChanged { thread_id },
    }))
}

async fn is_member(pool: &AnyPool, user_id: i64, team_id: i64) -> Result<bool, ()> {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM team_members WHERE user_id = $1 AND team_id = $2",
    )
    .bind(user_id)
    .bind(team_id)
    .fetch_one(pool)
    .await
    .map(|n| n > 0)
    .map_err(|cause| tracing::warn!(%cause, "live events: membership check failed"))
}

async fn has_live_grant(pool: &AnyPool, caregiver_id: i64, veteran_id: i64) -> Result<bool, ()> {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM caregiver_grants \
         WHERE caregiver_id = $1 AND veteran_id = $2 AND revoked_at IS NULL",
    )
    .bind(caregiver_id)
    .bind(veteran_id)
    .fetch_one(pool)
    .await
    .map(|n| n > 0)
    .map_err(|cause| tracing::warn!(%cause, "live events: caregiver check failed"))
}
