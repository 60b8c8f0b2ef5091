//! `/attachments`: uploading files onto a draft, and downloading them.
//!
//! Plain axum routes rather than server functions: uploads stream as multipart and are cut
//! off at the body limit, and downloads answer with the file's own bytes and headers. The
//! gate has already checked who is asking; each handler then checks what they may do.
//! The draft routes serve the Veteran's side (their drafts, for the Veteran they act for)
//! and care team members (their reply draft in a thread of a team they are on, and their
//! new-conversation draft for a Veteran of their teams); anyone else's draft answers 404.

use crate::gate::error_response;
use app::attachments::rules::MAX_TOTAL_BYTES;
use app::attachments::ssr::owner::DraftOwner;
use app::attachments::ssr::records;
use app::attachments::ssr::upload::{self, Received};
use app::attachments::UploadAnswer;
use app::auth::{Role, SignedInUser};
use app::error::AppError;
use app::messages::acting::ssr::{acting_for, ACTING_FOR_KEY};
use app::messages::ssr::{mailbox, Mailbox};
use app::server::access::{messaging_for_route, team_for_route, ClientAddress, TeamCapability};
use app::server::state::AppState;
use app::ui::POSTCARD;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use tower_sessions::Session;

/// The largest upload request: the 10 MiB of files a message may carry, plus room for the
/// multipart framing. A bigger request is cut off with 413 as soon as it passes this.
pub const UPLOAD_BODY_LIMIT: usize = MAX_TOTAL_BYTES as usize + 64 * 1024;

/// What the person sees when a request passes the body limit.
pub const TOO_LARGE: &str =
    "These files are more than 10 MB together; the limit is 10 MB. Nothing was attached.";

pub fn routes(state: AppState) -> Router {
    Router::new()
        .route(
            "/attachments/drafts/{draft_id}",
            post(upload)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT))
                .get(draft_files),
        )
        .route("/attachments/{id}", get(download))
        .route("/attachments/{id}/remove", post(remove))
        .with_state(state)
}

/// `POST /attachments/drafts/{draft_id}`, multipart with one or more `file` fields.
/// 200 when every file was kept, 422 when any was refused (the others are kept), 413 when
/// the request passed the body limit (nothing from it is kept), 404 for another person's
/// draft.
/// The answer is JSON, or postcard when the request accepts it (the page's own uploads).
pub async fn upload(
    State(state): State<AppState>,
    Extension(person): Extension<SignedInUser>,
    Extension(ClientAddress(ip)): Extension<ClientAddress>,
    session: Session,
    Path(draft_id): Path<i64>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    match receive(&state, person, &ip, &session, draft_id, multipart).await {
        Ok(answer) => {
            let status = if answer.refused.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            if !accepts_postcard(&headers) {
                return (status, Json(answer)).into_response();
            }
            match answer.to_postcard() {
                Ok(body) => (status, [(header::CONTENT_TYPE, POSTCARD)], body).into_response(),
                Err(error) => error_response(error),
            }
        }
        Err(Failure::TooLarge) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            TOO_LARGE,
        )
            .into_response(),
        Err(Failure::App(error)) => error_response(error),
    }
}

fn accepts_postcard(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains(POSTCARD))
}

enum Failure {
    TooLarge,
    App(AppError),
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Failure::App(error)
    }
}

/// Who is working on drafts, with what reaches them.
enum Drafter {
    /// A Veteran or caregiver, in the mailbox they are working in.
    Mailbox(Mailbox),
    /// A care team member, on their team replies and the conversations they start.
    TeamMember(TeamCapability),
}

impl Drafter {
    fn owner(&self) -> DraftOwner<'_> {
        match self {
            Drafter::Mailbox(mailbox) => mailbox.into(),
            Drafter::TeamMember(capability) => capability.into(),
        }
    }
}

/// A clinician works on their team replies and new conversations; anyone else in a mailbox
/// (an administrator is refused there, and audited).
async fn drafter(
    state: &AppState,
    person: SignedInUser,
    ip: &str,
    session: &Session,
) -> Result<Drafter, AppError> {
    if person.role == Role::Clinician {
        let capability = team_for_route(&state.db, person, ip, "route:attachments").await?;
        return Ok(Drafter::TeamMember(capability));
    }
    working_mailbox(state, person, ip, session)
        .await
        .map(Drafter::Mailbox)
}

/// The mailbox the person is working in: their own, or for a caregiver the Veteran chosen
/// in the header (as every messaging server function does).
async fn working_mailbox(
    state: &AppState,
    person: SignedInUser,
    ip: &str,
    session: &Session,
) -> Result<Mailbox, AppError> {
    let capability = messaging_for_route(&state.db, person, ip, "route:attachments").await?;
    let chosen = if capability.user().role == Role::Caregiver {
        session.get::<i64>(ACTING_FOR_KEY).await?
    } else {
        None
    };
    let (veteran_id, _) = acting_for(state, &capability, chosen)
        .await?
        .ok_or(AppError::NotFound)?;
    mailbox(&state.db, &capability, veteran_id).await
}

async fn receive(
    state: &AppState,
    person: SignedInUser,
    ip: &str,
    session: &Session,
    draft_id: i64,
    mut multipart: Multipart,
) -> Result<UploadAnswer, Failure> {
    let drafter = drafter(state, person, ip, session).await?;
    let owner = drafter.owner();
    let mut answer = UploadAnswer {
        accepted: Vec::new(),
        refused: Vec::new(),
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => return Err(broke_off(state, owner, &answer, error.status()).await),
        };
        if field.name() != Some("file") {
            continue;
        }
        let raw_name = field.file_name().unwrap_or("").to_string();
        // A form posted with no file chosen sends one empty, nameless part.
        if raw_name.is_empty() {
            continue;
        }
        let mut field = field;
        let mut incoming = match upload::start(state, owner, draft_id, &raw_name).await? {
            Ok(incoming) => incoming,
            Err(refusal) => {
                answer.refused.push(refusal.to_string());
                continue;
            }
        };
        loop {
            match field.chunk().await {
                Ok(Some(bytes)) => {
                    if let Err(error) = incoming.feed(&bytes).await {
                        incoming.abort().await;
                        return Err(error.into());
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    incoming.abort().await;
                    return Err(broke_off(state, owner, &answer, error.status()).await);
                }
            }
        }
        match incoming.finish(state, owner, draft_id).await? {
            Received::Accepted(attachment) => answer.accepted.push(attachment),
            Received::Refused(refusal) => answer.refused.push(refusal.to_string()),
        }
    }
    Ok(answer)
}

/// The request broke off: past the body limit (413), or the connection or its framing
/// failed. Files already kept from it are removed, so a cut-off request leaves nothing.
async fn broke_off(
    state: &AppState,
    owner: DraftOwner<'_>,
    answer: &UploadAnswer,
    status: StatusCode,
) -> Failure {
    for attachment in &answer.accepted {
        if let Err(error) =
            records::remove_from_draft(&state.db, &state.attachments, owner, &attachment.id).await
        {
            tracing::warn!(%error, "could not remove a file of a broken-off upload");
        }
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        Failure::TooLarge
    } else {
        Failure::App(AppError::invalid(
            "attachments",
            "The upload broke off before it finished. Please try again.",
        ))
    }
}

/// `GET /attachments/drafts/{draft_id}`: the files saved with one of the person's drafts
/// (a page coming back to a draft lists them again). 404 for anyone else's draft.
pub async fn draft_files(
    State(state): State<AppState>,
    Extension(person): Extension<SignedInUser>,
    Extension(ClientAddress(ip)): Extension<ClientAddress>,
    session: Session,
    Path(draft_id): Path<i64>,
) -> Response {
    let listed = async {
        let drafter = drafter(&state, person, &ip, &session).await?;
        records::draft_attachments(&state.db, drafter.owner(), draft_id).await
    };
    match listed.await {
        Ok(files) => Json(files).into_response(),
        Err(error) => error_response(error),
    }
}

/// `POST /attachments/{id}/remove`: "Remove" on a draft's file; the row and the stored file
/// go. 204, or 404 for a file that is not on one of the person's drafts (sent files are
/// medical records and are never removed).
pub async fn remove(
    State(state): State<AppState>,
    Extension(person): Extension<SignedInUser>,
    Extension(ClientAddress(ip)): Extension<ClientAddress>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let removed = async {
        let drafter = drafter(&state, person, &ip, &session).await?;
        records::remove_from_draft(&state.db, &state.attachments, drafter.owner(), &id).await
    };
    match removed.await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error_response(error),
    }
}

/// `GET /attachments/{id}`: the file, for a participant of its thread (for a draft's file,
/// its author); 404 for anyone else. Audited either way.
pub async fn download(
    State(state): State<AppState>,
    Extension(person): Extension<SignedInUser>,
    Extension(ClientAddress(ip)): Extension<ClientAddress>,
    Path(id): Path<String>,
) -> Response {
    let file = match records::for_download(&state.db, &person, &ip, &id).await {
        Ok(file) => file,
        Err(error) => return error_response(error),
    };
    let bytes = match state
        .attachments
        .read_verified(&file.id, &file.keys, file.size_bytes, &file.sha256)
        .await
    {
        Ok(bytes) => bytes,
        Err(error) if error.is_tampered() => {
            // Changed at rest: an incident, never served.
            tracing::error!(attachment = %file.id, %error, "refused a tampered attachment");
            return error_response(AppError::Conflict {
                message: "This file failed its integrity check and can't be downloaded. \
                          Contact support."
                    .to_string(),
            });
        }
        Err(error) => return error_response(AppError::internal(error)),
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&file.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&file.display_name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// RFC 5987 `attr-char`: what may stand unencoded in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment` with the name twice (RFC 6266 §4.3): `filename*` in UTF-8 for browsers, and
/// an ASCII `filename` (other characters as `_`) for the rest. Names are already cleaned
/// of control characters and quotes on upload; this never trusts that.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR_CHAR)
    )
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn file_names_are_safe_in_the_header() {
        assert_eq!(
            content_disposition("lab results.pdf"),
            "attachment; filename=\"lab results.pdf\"; filename*=UTF-8''lab%20results.pdf"
        );
        assert_eq!(
            content_disposition("résumé.pdf"),
            "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
        );
        // Quotes, backslashes and line breaks cannot end the value or add a header.
        let tricky = content_disposition("a\"b\\c\r\nSet-Cookie: x.pdf");
        assert!(tricky.starts_with("attachment; filename=\"a_b_c__Set-Cookie: x.pdf\";"));
        assert!(!tricky.contains('\r') && !tricky.contains('\n'));
    }
}
