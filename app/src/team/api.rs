//! The care team workspace's server functions: thin, as STYLE.md habit 2 asks.
//! Each one starts with `require_team`, makes one call into `team::ssr`, and, after a change,
//! tells the live-update hub which thread changed.
//!
//! The pages post their forms here as plain form posts (DESIGN.md §4: forms work before the
//! wasm arrives): success answers with a redirect back to the page with `done=<what>` for
//! the status line; a refused post goes back with the error in the address (`__path`,
//! `__err`) and, for text the person typed, the text kept in the server-side session under
//! `kept=<token>` (as the compose page does), so nothing typed is lost.

use super::types::{
    Coverage, InboxCounts, InboxFilter, MyTeam, ReplyTemplate, TeamChoice, TeamMember, TeamThread,
};
use crate::error::AppError;
use crate::messages::Category;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

/// One row of the team inbox with its times already in words (the wasm has no zone data).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxItem {
    pub row: super::types::InboxRow,
    /// "Nov 27, 2026, 3:42 PM EST", when something waits on the team.
    pub waiting_since: Option<String>,
    /// "Due in 2 business days" / "Overdue by 3 business hours".
    pub due: Option<String>,
    /// "Casey Nguyen (away; Dr. Morgan Patel covers)" or "Unassigned".
    pub assignee: String,
    /// "Completed Nov 27, 2026" for completed threads.
    pub completed: Option<String>,
}

/// One page of the team inbox, its counts, and what the filters offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamInboxData {
    pub filter: InboxFilter,
    pub team_id: Option<i64>,
    pub category: Option<Category>,
    pub keywords: String,
    pub items: Vec<InboxItem>,
    /// The `after` token of the next page.
    pub next: Option<String>,
    pub counts: InboxCounts,
    pub teams: Vec<MyTeam>,
}

/// The team inbox: `filter` (`open`, `unassigned`, `mine`, `overdue`, `completed`),
/// optionally one team, one category, keywords, and where the page starts.
#[server(endpoint = "team_inbox", output = leptos::server_fn::codec::Postcard)]
pub async fn team_inbox(
    filter: Option<String>,
    team: Option<String>,
    category: Option<String>,
    q: Option<String>,
    after: Option<String>,
) -> Result<TeamInboxData, AppError> {
    use super::types::{InboxCursor, InboxQuery};
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamInbox::PATH).await?;
    let state = app_state()?;
    let db = &state.db;
    let query = InboxQuery {
        filter: filter
            .as_deref()
            .and_then(InboxFilter::parse)
            .unwrap_or_default(),
        team_id: team.as_deref().and_then(|t| t.trim().parse().ok()),
        category: category.as_deref().and_then(|c| Category::parse(c.trim())),
        keywords: q.unwrap_or_default().trim().to_string(),
    };
    let after = after.as_deref().and_then(InboxCursor::from_token);
    let teams = super::ssr::my_teams(db, &capability).await?;
    let page = super::ssr::list_inbox(db, &capability, &query, after).await?;
    let counts = super::ssr::inbox_counts(db, &capability, query.team_id).await?;
    let now = crate::server::now_ms();
    let viewer_zone = &capability.user().time_zone;
    let items = page
        .rows
        .into_iter()
        .map(|row| {
            let facility_zone = ssr::zone_of(&teams, row.team_id);
            ssr::item(row, &facility_zone, viewer_zone, now)
        })
        .collect();
    Ok(TeamInboxData {
        filter: query.filter,
        team_id: query.team_id,
        category: query.category,
        keywords: query.keywords,
        items,
        next: page.next.map(|c| c.to_token()),
        counts,
        teams,
    })
}

/// A thread as the team page shows it, with its times in words and what the assignment
/// forms offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamThreadData {
    pub thread: TeamThread,
    /// When each message was sent, in message order.
    pub sent_at: Vec<String>,
    pub waiting_since: Option<String>,
    pub due: Option<String>,
    pub completed: Option<String>,
    /// What the team did, oldest first, in words.
    pub history: Vec<String>,
    /// The date of each of the Veteran's other threads, in order.
    pub other_dates: Vec<String>,
    pub members: Vec<TeamMember>,
    /// The person viewing.
    pub me: i64,
    /// Colleagues writing a reply in this thread now (names only; never their text).
    pub writing: Vec<String>,
}

/// Opens a thread of one of the person's teams: marks the Veteran's messages opened and
/// audits the read (`team::ssr::open_thread`), from the client's address.
#[server(endpoint = "load_team_thread", output = leptos::server_fn::codec::Postcard)]
pub async fn load_team_thread(thread_id: i64) -> Result<TeamThreadData, AppError> {
    use crate::server::access::{app_state, require_team};
    use crate::server::clock::{date, date_time};
    let capability = require_team(LoadTeamThread::PATH).await?;
    let state = app_state()?;
    let db = &state.db;
    let from = ssr::client_address();
    let thread = super::ssr::open_thread(db, &capability, thread_id, from.as_deref()).await?;
    if thread.opened_now {
        // The Veteran's open pages show "Opened by your care team" without a reload. Only
        // the first opening tells: the team's own reloads on this event open nothing new.
        ssr::changed(&state, thread_id).await;
    }
    let members = super::ssr::team_members(db, &capability, thread.team_id).await?;
    let writing = super::ssr::writing(db, &capability, &[thread_id])
        .await?
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    // Times are shown in the viewer's zone; business time counts in the facility's.
    let zone = capability.user().time_zone.clone();
    let now = crate::server::now_ms();
    let sent_at = thread
        .messages
        .iter()
        .map(|m| date_time(m.sent_at, &zone))
        .collect();
    let history = thread
        .history
        .iter()
        .map(|event| ssr::history_line(event, &zone))
        .collect();
    let other_dates = thread
        .other_threads
        .iter()
        .map(|t| date(t.last_message_at, &zone))
        .collect();
    Ok(TeamThreadData {
        waiting_since: thread.waiting_since.map(|at| date_time(at, &zone)),
        due: ssr::due_words(
            thread.due_at,
            thread.completed_at,
            now,
            &thread.facility_time_zone,
        ),
        completed: thread
            .completed_at
            .map(|at| format!("Completed {}", date_time(at, &zone))),
        sent_at,
        history,
        other_dates,
        members,
        me: capability.user().id,
        writing,
        thread,
    })
}

/// What the reply and note forms start with: the team's templates, fresh keys, and the
/// text to show (a template chosen without the wasm, or text kept from a refused post).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadTools {
    pub thread_id: i64,
    pub templates: Vec<ReplyTemplate>,
    pub template_id: Option<i64>,
    pub reply_key: String,
    pub note_key: String,
    pub reply_text: String,
    pub note_text: String,
    pub reason_text: String,
    pub signature: Option<String>,
    /// Teams the thread can move to (not its own).
    pub teams: Vec<TeamChoice>,
    /// The person's reply draft in the thread, which holds what they typed and the files
    /// attached to the reply until it is sent, and those files (listed again under the
    /// reply box).
    pub reply_draft_id: Option<i64>,
    pub reply_files: Vec<crate::attachments::Attachment>,
    /// "Draft saved at Nov 27, 2026, 3:42 PM EST", when the box shows the saved draft.
    pub reply_saved: Option<String>,
    /// The box shows other text than the saved draft (kept from a refused post, or a
    /// template chosen): autosave saves it soon.
    pub reply_unsaved: bool,
}

#[server(endpoint = "team_thread_tools", output = leptos::server_fn::codec::Postcard)]
pub async fn team_thread_tools(
    thread_id: i64,
    template: Option<i64>,
    kept: Option<String>,
) -> Result<ThreadTools, AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamThreadTools::PATH).await?;
    let state = app_state()?;
    let db = &state.db;
    let team_id = ssr::team_of(db, &capability, thread_id).await?;
    let templates = super::ssr::templates(db, &capability, team_id).await?;
    let teams = super::ssr::reassign_choices(db, &capability)
        .await?
        .into_iter()
        .filter(|t| t.team_id != team_id)
        .collect();
    let kept = match kept {
        Some(token) => ssr::kept_fields(&token).await?,
        None => Default::default(),
    };
    let chosen = template.and_then(|id| templates.iter().find(|t| t.template_id == id));
    let reply_draft = super::ssr::reply_draft(db, &capability, thread_id).await?;
    let saved_text = reply_draft.as_ref().map(|draft| draft.body.clone());
    // What the person typed last comes first: text kept from a refused post, then a
    // template they just chose, then their saved draft.
    let reply_text = kept
        .get("body")
        .cloned()
        .or_else(|| chosen.map(|t| t.body.clone()))
        .or_else(|| saved_text.clone())
        .unwrap_or_default();
    let reply_unsaved = saved_text.as_deref() != Some(reply_text.as_str())
        && (saved_text.is_some() || !reply_text.is_empty());
    let reply_saved = match &reply_draft {
        Some(draft) if !reply_unsaved => Some(format!(
            "Draft saved at {}",
            crate::server::clock::date_time(draft.updated_at, &capability.user().time_zone)
        )),
        _ => None,
    };
    let signature = crate::messages::ssr::signature(db, &capability)
        .await?
        .text();
    let reply_draft_id = reply_draft.map(|draft| draft.draft_id);
    let reply_files = match reply_draft_id {
        Some(draft_id) => {
            crate::attachments::ssr::records::draft_attachments(db, &capability, draft_id).await?
        }
        None => Vec::new(),
    };
    Ok(ThreadTools {
        thread_id,
        template_id: chosen.map(|t| t.template_id),
        reply_key: uuid::Uuid::new_v4().to_string(),
        note_key: uuid::Uuid::new_v4().to_string(),
        reply_text,
        note_text: kept.get("note").cloned().unwrap_or_default(),
        reason_text: kept.get("reason").cloned().unwrap_or_default(),
        signature,
        templates,
        teams,
        reply_draft_id,
        reply_files,
        reply_saved,
        reply_unsaved,
    })
}

/// The person's reply draft in the thread, made when there is none: attaching the first
/// file to a reply makes it, and the upload route puts the files on it. Answers its id.
#[server(endpoint = "team_reply_draft_for_files", output = leptos::server_fn::codec::Postcard)]
pub async fn team_reply_draft_for_files(thread_id: i64) -> Result<i64, AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamReplyDraftForFiles::PATH).await?;
    let state = app_state()?;
    super::ssr::reply_draft_for_files(&state.db, &capability, thread_id).await
}

/// "Assign to me". Goes back to `back` (the list or the thread it was pressed on).
#[server(endpoint = "team_assign_to_me", output = leptos::server_fn::codec::Postcard)]
pub async fn team_assign_to_me(thread_id: i64, back: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamAssignToMe::PATH).await?;
    let state = app_state()?;
    let from = ssr::client_address();
    let result =
        super::ssr::assign_to_me(&state.db, &capability, thread_id, from.as_deref()).await?;
    ssr::changed(&state, thread_id).await;
    if !result.changed {
        let who = result
            .assignee
            .map(|p| p.name)
            .unwrap_or_else(|| "A colleague".to_string());
        return Err(AppError::Conflict {
            message: format!("{who} already has this conversation."),
        });
    }
    ssr::go_back(&back, "assigned");
    Ok(())
}

/// Assigns the thread to a member of its team. `seen` is who had it on the page.
#[server(endpoint = "team_assign_member", output = leptos::server_fn::codec::Postcard)]
pub async fn team_assign_member(
    thread_id: i64,
    member: String,
    seen: String,
) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamAssignMember::PATH).await?;
    let state = app_state()?;
    let from = ssr::client_address();
    let member_id: i64 = member
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("member", "Choose a team member."))?;
    let result = super::ssr::assign_to_member(
        &state.db,
        &capability,
        thread_id,
        member_id,
        seen.trim().parse().ok(),
        from.as_deref(),
    )
    .await;
    let result = match result {
        Ok(result) => result,
        Err(error) => {
            ssr::fail(thread_id, TeamAssignMember::PATH, error.clone(), &[]).await;
            return Err(error);
        }
    };
    ssr::changed(&state, thread_id).await;
    if !result.changed {
        return Err(AppError::Conflict {
            message:
                "A colleague changed who has this conversation. Check the assignee and try again."
                    .to_string(),
        });
    }
    let done = if result.covering_for.is_some() {
        "assigned_covering"
    } else {
        "assigned"
    };
    ssr::go_back(&format!("/team/threads/{thread_id}"), done);
    Ok(())
}

/// "Unassign", when `seen` still has the thread.
#[server(endpoint = "team_unassign", output = leptos::server_fn::codec::Postcard)]
pub async fn team_unassign(thread_id: i64, seen: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamUnassign::PATH).await?;
    let state = app_state()?;
    let from = ssr::client_address();
    let result = super::ssr::unassign(
        &state.db,
        &capability,
        thread_id,
        seen.trim().parse().ok(),
        from.as_deref(),
    )
    .await?;
    ssr::changed(&state, thread_id).await;
    if !result.changed {
        return Err(AppError::Conflict {
            message:
                "A colleague changed who has this conversation. Check the assignee and try again."
                    .to_string(),
        });
    }
    ssr::go_back(&format!("/team/threads/{thread_id}"), "unassigned");
    Ok(())
}

/// Moves the thread to another care team, with the reason. The thread may leave the
/// person's teams: it goes back to the team inbox.
#[server(endpoint = "team_reassign", output = leptos::server_fn::codec::Postcard)]
pub async fn team_reassign(thread_id: i64, team: String, reason: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamReassign::PATH).await?;
    let state = app_state()?;
    let from = ssr::client_address();
    let Ok(to_team) = team.trim().parse::<i64>() else {
        let error = AppError::invalid("team", "Choose a care team.");
        ssr::fail(
            thread_id,
            TeamReassign::PATH,
            error.clone(),
            &[("reason", &reason)],
        )
        .await;
        return Err(error);
    };
    let previous = ssr::team_of(&state.db, &capability, thread_id).await.ok();
    match super::ssr::reassign_team(
        &state.db,
        &capability,
        thread_id,
        to_team,
        &reason,
        from.as_deref(),
    )
    .await
    {
        // Reply drafts of members who are not on the new team went with the move.
        Ok(files) => {
            crate::attachments::ssr::records::delete_files(&state.attachments, &files).await
        }
        Err(error) => {
            ssr::fail(
                thread_id,
                TeamReassign::PATH,
                error.clone(),
                &[("reason", &reason)],
            )
            .await;
            return Err(error);
        }
    }
    ssr::moved(&state, thread_id, previous).await;
    ssr::go_back("/team", "moved");
    Ok(())
}

/// "Reply": the care team's answer, with the clinician's signature and the files on their
/// reply draft in the thread. The page's form posts `team_send_reply_with_files`
/// (multipart, so files go without the wasm too); this is the same reply for a post that
/// carries no files.
#[server(endpoint = "team_send_reply", output = leptos::server_fn::codec::Postcard)]
pub async fn team_send_reply(
    thread_id: i64,
    body: String,
    reply_key: String,
) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamSendReply::PATH).await?;
    let state = app_state()?;
    let reply = crate::messages::Reply {
        body: body.clone(),
        client_key: reply_key,
    };
    if let Err(error) = super::ssr::reply(&state.db, &capability, thread_id, &reply).await {
        ssr::fail(
            thread_id,
            TeamSendReply::PATH,
            error.clone(),
            &[("body", &body)],
        )
        .await;
        return Err(error);
    }
    ssr::replied(&state, &capability, thread_id).await;
    ssr::go_back(&format!("/team/threads/{thread_id}"), "replied");
    Ok(())
}

/// "Add internal note": for the team only.
#[server(endpoint = "team_add_note", output = leptos::server_fn::codec::Postcard)]
pub async fn team_add_note(thread_id: i64, note: String, note_key: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamAddNote::PATH).await?;
    let state = app_state()?;
    let from = ssr::client_address();
    let input = super::types::NoteInput {
        body: note.clone(),
        client_key: note_key,
    };
    let added =
        super::ssr::add_internal_note(&state.db, &capability, thread_id, &input, from.as_deref())
            .await;
    if let Err(error) = added {
        // The data layer names the field `body`, like a message; here it is the note's.
        let error = match error {
            AppError::Invalid { fields } => AppError::Invalid {
                fields: fields
                    .into_iter()
                    .map(|(k, v)| (if k == "body" { "note".to_string() } else { k }, v))
                    .collect(),
            },
            other => other,
        };
        ssr::fail(
            thread_id,
            TeamAddNote::PATH,
            error.clone(),
            &[("note", &note)],
        )
        .await;
        return Err(error);
    }
    ssr::changed(&state, thread_id).await;
    ssr::go_back(&format!("/team/threads/{thread_id}"), "noted");
    Ok(())
}

/// "Mark complete".
#[server(endpoint = "team_mark_complete", output = leptos::server_fn::codec::Postcard)]
pub async fn team_mark_complete(thread_id: i64) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamMarkComplete::PATH).await?;
    let state = app_state()?;
    let from = ssr::client_address();
    super::ssr::mark_complete(&state.db, &capability, thread_id, from.as_deref()).await?;
    ssr::changed(&state, thread_id).await;
    ssr::go_back(&format!("/team/threads/{thread_id}"), "completed");
    Ok(())
}

/// "Reopen" on a completed thread.
#[server(endpoint = "team_reopen", output = leptos::server_fn::codec::Postcard)]
pub async fn team_reopen(thread_id: i64) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamReopen::PATH).await?;
    let state = app_state()?;
    let from = ssr::client_address();
    super::ssr::reopen(&state.db, &capability, thread_id, from.as_deref()).await?;
    ssr::changed(&state, thread_id).await;
    ssr::go_back(&format!("/team/threads/{thread_id}"), "reopened");
    Ok(())
}

/// The settings section "Away": the person's coverage and who may cover them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageData {
    pub coverage: Option<Coverage>,
    /// "Dec 1, 2026, 12:00 AM EST", while away.
    pub away_until: Option<String>,
    /// Members of the person's teams, other than themself.
    pub colleagues: Vec<super::types::Person>,
}

#[server(endpoint = "team_coverage", output = leptos::server_fn::codec::Postcard)]
pub async fn team_coverage() -> Result<CoverageData, AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamCoverage::PATH).await?;
    let state = app_state()?;
    let db = &state.db;
    let me = capability.user().id;
    let coverage = super::ssr::my_coverage(db, &capability).await?;
    let mut colleagues: Vec<super::types::Person> = Vec::new();
    for team in super::ssr::my_teams(db, &capability).await? {
        for member in super::ssr::team_members(db, &capability, team.team_id).await? {
            if member.user_id != me && !colleagues.iter().any(|p| p.id == member.user_id) {
                colleagues.push(super::types::Person {
                    id: member.user_id,
                    name: member.name,
                });
            }
        }
    }
    colleagues.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(CoverageData {
        away_until: coverage
            .as_ref()
            .map(|c| crate::server::clock::date_time(c.away_until, &capability.user().time_zone)),
        coverage,
        colleagues,
    })
}

/// "I'm away until [date], covered by [member]": away until the start of that day.
#[server(endpoint = "team_set_coverage", output = leptos::server_fn::codec::Postcard)]
pub async fn team_set_coverage(away_until: String, covered_by: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    use crate::server::clock::{parse_iso_date, start_of_day_ms};
    let capability = require_team(TeamSetCoverage::PATH).await?;
    let state = app_state()?;
    let mut fields = std::collections::BTreeMap::new();
    let until = parse_iso_date(&away_until)
        .and_then(|day| start_of_day_ms(day, &capability.user().time_zone));
    if until.is_none() {
        fields.insert(
            "away_until".to_string(),
            "Enter the date you're back.".to_string(),
        );
    }
    let covering: Option<i64> = covered_by.trim().parse().ok();
    if covering.is_none() {
        fields.insert(
            "covered_by".to_string(),
            "Choose who covers for you.".to_string(),
        );
    }
    let (Some(until), Some(covering)) = (until, covering) else {
        return Err(AppError::Invalid { fields });
    };
    super::ssr::set_coverage(&state.db, &capability, until, covering).await?;
    ssr::go_back("/settings", "away");
    Ok(())
}

/// "I'm back".
#[server(endpoint = "team_clear_coverage", output = leptos::server_fn::codec::Postcard)]
pub async fn team_clear_coverage() -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamClearCoverage::PATH).await?;
    let state = app_state()?;
    super::ssr::clear_coverage(&state.db, &capability).await?;
    ssr::go_back("/settings", "back");
    Ok(())
}

/// The teams the person leads, each with its templates, for `/team/templates`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateAdmin {
    pub teams: Vec<(MyTeam, Vec<ReplyTemplate>)>,
    /// Fields kept from a refused post.
    pub kept_title: String,
    pub kept_body: String,
}

#[server(endpoint = "team_template_admin", output = leptos::server_fn::codec::Postcard)]
pub async fn team_template_admin(kept: Option<String>) -> Result<TemplateAdmin, AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamTemplateAdmin::PATH).await?;
    let state = app_state()?;
    let db = &state.db;
    let mut teams = Vec::new();
    for team in super::ssr::my_teams(db, &capability).await? {
        if team.is_lead {
            let templates = super::ssr::templates(db, &capability, team.team_id).await?;
            teams.push((team, templates));
        }
    }
    let kept = match kept {
        Some(token) => ssr::kept_fields(&token).await?,
        None => Default::default(),
    };
    Ok(TemplateAdmin {
        teams,
        kept_title: kept.get("title").cloned().unwrap_or_default(),
        kept_body: kept.get("body").cloned().unwrap_or_default(),
    })
}

/// Adds a template (`template` empty) or changes one.
#[server(endpoint = "team_save_template", output = leptos::server_fn::codec::Postcard)]
pub async fn team_save_template(
    team: String,
    template: String,
    title: String,
    body: String,
) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamSaveTemplate::PATH).await?;
    let state = app_state()?;
    let input = super::types::TemplateInput {
        title: title.clone(),
        body: body.clone(),
    };
    let saved = match template.trim().parse::<i64>() {
        Ok(id) => super::ssr::update_template(&state.db, &capability, id, &input)
            .await
            .map(|_| "template_saved"),
        Err(_) => match team.trim().parse::<i64>() {
            Ok(team_id) => super::ssr::create_template(&state.db, &capability, team_id, &input)
                .await
                .map(|_| "template_added"),
            Err(_) => Err(AppError::NotFound),
        },
    };
    match saved {
        Ok(done) => {
            ssr::go_back("/team/templates", done);
            Ok(())
        }
        Err(error) => {
            let back = match template.trim().parse::<i64>() {
                Ok(id) => format!("/team/templates?edit={id}"),
                Err(_) => format!("/team/templates?add={}", team.trim()),
            };
            ssr::fail_to(
                &back,
                TeamSaveTemplate::PATH,
                error.clone(),
                &[("title", &title), ("body", &body)],
            )
            .await;
            Err(error)
        }
    }
}

/// Deletes a template (after the page's "Delete this template?" step).
#[server(endpoint = "team_delete_template", output = leptos::server_fn::codec::Postcard)]
pub async fn team_delete_template(template: i64) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamDeleteTemplate::PATH).await?;
    let state = app_state()?;
    super::ssr::delete_template(&state.db, &capability, template).await?;
    ssr::go_back("/team/templates", "template_deleted");
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::InboxItem;
    use crate::error::AppError;
    use crate::server::access::TeamCapability;
    use crate::server::clock::{date_time, DEFAULT_TIME_ZONE};
    use crate::server::db::Db;
    use crate::server::state::AppState;
    use crate::team::business_days::{business_ms_between, BUSINESS_DAY_END, BUSINESS_DAY_START};
    use crate::team::types::{InboxRow, MyTeam, ThreadEvent, ThreadEventKind};

    /// Where the request came from, for the audit trail.
    pub fn client_address() -> Option<String> {
        Some(crate::server::access::requester().ip)
    }

    /// Tells the live-update hub the thread changed (lists and open pages reload).
    pub async fn changed(state: &AppState, thread_id: i64) {
        crate::live::ssr::thread_changed(state, thread_id).await;
    }

    /// A member's reply was sent: the thread changed, and the Veteran's side hears a new
    /// message arrived.
    pub async fn replied(state: &AppState, capability: &TeamCapability, thread_id: i64) {
        let author = capability.user().id;
        crate::live::ssr::message_arrived(state, thread_id, author, true).await;
    }

    /// The same after a move to another team: the team it left hears of it too.
    pub async fn moved(state: &AppState, thread_id: i64, previous_team: Option<i64>) {
        match previous_team {
            Some(team) => crate::live::ssr::thread_moved(state, thread_id, team).await,
            None => crate::live::ssr::thread_changed(state, thread_id).await,
        }
    }

    /// The team of a thread on one of the person's teams, or `NotFound`.
    pub async fn team_of(
        db: &Db,
        capability: &TeamCapability,
        thread_id: i64,
    ) -> Result<i64, AppError> {
        let team: Option<i64> = sqlx::query_scalar(
            "SELECT t.team_id FROM threads t JOIN team_members tm \
             ON tm.team_id = t.team_id AND tm.user_id = $2 WHERE t.id = $1",
        )
        .bind(thread_id)
        .bind(capability.user().id)
        .fetch_optional(&db.pool)
        .await?;
        team.ok_or(AppError::NotFound)
    }

    /// The zone of the facility of one of the person's teams, where its business days count.
    pub fn zone_of(teams: &[MyTeam], team_id: i64) -> String {
        teams
            .iter()
            .find(|t| t.team_id == team_id)
            .map(|t| t.facility_time_zone.clone())
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_string())
    }

    /// An inbox row in words: times in the viewer's zone, business time until or past due
    /// in the team facility's.
    pub fn item(row: InboxRow, facility_zone: &str, viewer_zone: &str, now: i64) -> InboxItem {
        let assignee = match (&row.assignee, &row.assignee_coverage) {
            (Some(who), Some(cover)) => {
                format!("{} (away; {} covers)", who.name, cover.covered_by.name)
            }
            (Some(who), None) => who.name.clone(),
            (None, _) => "Unassigned".to_string(),
        };
        InboxItem {
            waiting_since: row.waiting_since.map(|at| date_time(at, viewer_zone)),
            due: due_words(row.due_at, row.completed_at, now, facility_zone),
            completed: row
                .completed_at
                .map(|at| format!("Completed {}", crate::server::clock::date(at, viewer_zone))),
            assignee,
            row,
        }
    }

    fn tz(zone: &str) -> chrono_tz::Tz {
        zone.parse().unwrap_or(chrono_tz::America::New_York)
    }

    /// "Due in 2 business days", "Overdue by 3 business hours": business time between now
    /// and the due time, in the facility's zone. `None` when nothing waits.
    pub fn due_words(
        due_at: Option<i64>,
        completed_at: Option<i64>,
        now: i64,
        zone: &str,
    ) -> Option<String> {
        let due_at = due_at?;
        if completed_at.is_some() {
            return None;
        }
        let zone = tz(zone);
        if due_at > now {
            Some(format!(
                "Due in {}",
                business_span_left(business_ms_between(now, due_at, zone))
            ))
        } else {
            Some(format!(
                "Overdue by {}",
                business_span(business_ms_between(due_at, now, zone))
            ))
        }
    }

    /// A length of business time in words: whole business days, else whole business hours.
    pub fn business_span(ms: i64) -> String {
        let hour = 60 * 60 * 1000;
        let day = (BUSINESS_DAY_END - BUSINESS_DAY_START).num_milliseconds();
        let plural = |n: i64, one: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {one}s")
            }
        };
        if day > 0 && ms >= day {
            plural(ms / day, "business day")
        } else if ms >= hour {
            plural(ms / hour, "business hour")
        } else {
            "less than a business hour".to_string()
        }
    }

    /// Business time still left, in words: to the nearest whole business day (a message
    /// that arrived a minute ago with a 3-day target is due in 3 business days, not 2),
    /// under a day to the nearest business hour.
    pub fn business_span_left(ms: i64) -> String {
        let hour = 60 * 60 * 1000;
        let day = (BUSINESS_DAY_END - BUSINESS_DAY_START).num_milliseconds();
        if day > 0 && ms >= day {
            business_span((ms + day / 2) / day * day)
        } else if ms >= hour {
            business_span((ms + hour / 2) / hour * hour)
        } else {
            business_span(ms)
        }
    }

    /// One line of the thread's history.
    pub fn history_line(event: &ThreadEvent, zone: &str) -> String {
        let when = date_time(event.at, zone);
        let who = &event.actor.name;
        let what = match event.kind {
            ThreadEventKind::Assigned => match (&event.assignee, &event.covering_for) {
                (Some(to), Some(away)) => {
                    format!("assigned it to {} (covering for {})", to.name, away.name)
                }
                (Some(to), None) => format!("assigned it to {}", to.name),
                (None, _) => "assigned it".to_string(),
            },
            ThreadEventKind::Unassigned => "unassigned it".to_string(),
            ThreadEventKind::Reassigned => format!(
                "moved it from {} to {}{}",
                event.from_team.as_deref().unwrap_or("another team"),
                event.to_team.as_deref().unwrap_or("another team"),
                event
                    .reason
                    .as_deref()
                    .map(|r| format!(". Reason: {r}"))
                    .unwrap_or_default()
            ),
            ThreadEventKind::Completed => "marked it complete".to_string(),
            ThreadEventKind::Reopened => "reopened it".to_string(),
        };
        format!("{when}: {who} {what}")
    }

    pub(crate) use crate::ui::kept::{fail_to, go_back, kept_fields};

    /// A refused plain form post on a thread page: back to the thread with the error and
    /// what was typed.
    pub async fn fail(thread_id: i64, path: &str, error: AppError, typed: &[(&str, &str)]) {
        fail_to(&format!("/team/threads/{thread_id}"), path, error, typed).await;
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn business_time_reads_in_whole_days_or_hours() {
            let hour = 60 * 60 * 1000;
            assert_eq!(business_span(17 * hour), "2 business days");
            assert_eq!(business_span(9 * hour), "1 business day");
            assert_eq!(business_span(3 * hour), "3 business hours");
            assert_eq!(business_span(hour), "1 business hour");
            assert_eq!(business_span(10), "less than a business hour");
        }

        #[test]
        fn time_left_reads_to_the_nearest_day_or_hour() {
            let hour = 60 * 60 * 1000;
            let day = 17 * hour / 2;
            // Arrived a minute ago with 3 business days to go.
            assert_eq!(business_span_left(3 * day - 60_000), "3 business days");
            assert_eq!(business_span_left(2 * day + day / 2), "3 business days");
            assert_eq!(business_span_left(2 * day + day / 3), "2 business days");
            assert_eq!(business_span_left(day), "1 business day");
            assert_eq!(business_span_left(day - 60_000), "8 business hours");
            assert_eq!(business_span_left(hour + 60_000), "1 business hour");
            assert_eq!(business_span_left(30 * 60_000), "less than a business hour");
        }
    }
}
