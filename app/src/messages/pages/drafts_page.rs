//! `/drafts`: the person's saved, unsent messages, newest first, 10 a page.
//!
//! Deleting a draft is permanent, so it asks first. The question is a step of the page
//! itself (`/drafts?delete=<id>`), not `window.confirm`: it works without the wasm, can be
//! styled the USWDS way, and a screen reader hears it as part of the page. "Yes, delete
//! draft" is a plain form post answered with a redirect, with or without the wasm.

use crate::auth::Area;
use crate::error::AppError;
use crate::ui::Gate;
use crate::ui::{focus_soon, posted_error};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// One draft as the list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftRow {
    pub draft_id: i64,
    /// Set for a reply draft: it is continued in its conversation.
    pub thread_id: Option<i64>,
    pub subject: String,
    pub care_team: Option<String>,
    /// When it was last saved, as people read it.
    pub saved: String,
}

impl DraftRow {
    /// Where the draft is continued.
    pub fn href(&self) -> String {
        match self.thread_id {
            Some(thread_id) => format!("/messages/{thread_id}"),
            None => format!("/messages/new?draft={}", self.draft_id),
        }
    }

    /// The subject, or words that say there is none yet.
    pub fn title(&self) -> String {
        if self.subject.trim().is_empty() {
            "(No subject)".to_string()
        } else {
            self.subject.clone()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftsData {
    pub rows: Vec<DraftRow>,
    /// Where the next page starts (a `PageCursor` token), if there is one.
    pub next: Option<String>,
}

/// One page of the asker's drafts for the Veteran they act for.
#[server(endpoint = "list_my_drafts", output = leptos::server_fn::codec::Postcard)]
pub async fn list_my_drafts(after: Option<String>) -> Result<DraftsData, AppError> {
    use crate::messages::{PageCursor, Sort};
    use crate::server::clock::date_time;
    let asking = crate::messages::acting::ssr::asking(ListMyDrafts::PATH).await?;
    let page = crate::messages::ssr::list_drafts(
        &asking.state.db,
        &asking.capability,
        asking.veteran_id,
        Sort::NewestFirst,
        after.as_deref().and_then(PageCursor::from_token),
    )
    .await?;
    Ok(DraftsData {
        rows: page
            .rows
            .into_iter()
            .map(|draft| DraftRow {
                draft_id: draft.draft_id,
                thread_id: draft.thread_id,
                subject: draft.subject,
                care_team: draft.care_team,
                saved: date_time(draft.updated_at, &asking.capability.user().time_zone),
            })
            .collect(),
        next: page.next.map(|cursor| cursor.to_token()),
    })
}

/// Deletes one of the asker's drafts for good, then shows the list again.
#[server(endpoint = "delete_my_draft", output = leptos::server_fn::codec::Postcard)]
pub async fn delete_my_draft(draft_id: i64) -> Result<(), AppError> {
    let asking = crate::messages::acting::ssr::asking(DeleteMyDraft::PATH).await?;
    let attachment_ids = crate::messages::ssr::delete_draft(
        &asking.state.db,
        &asking.capability,
        asking.veteran_id,
        draft_id,
    )
    .await?;
    crate::attachments::ssr::records::delete_files(&asking.state.attachments, &attachment_ids)
        .await;
    leptos_axum::redirect("/drafts?deleted=1");
    Ok(())
}

#[component]
pub fn DraftsPage() -> impl IntoView {
    view! {
        <Gate area=Area::Messages>
            <Title text="Drafts" />
            <h1>"Drafts"</h1>
            <Drafts />
        </Gate>
    }
}

/// Inside the gate, so a visitor who may not see drafts never calls the server function.
#[component]
fn Drafts() -> impl IntoView {
    let query = use_query_map();
    let after = move || query.read().get("after");
    let deleted = move || query.read().get("deleted").is_some();
    let asking_to_delete = move || {
        query
            .read()
            .get("delete")
            .and_then(|id| id.parse::<i64>().ok())
    };
    // `deleted` is part of the key so the list is loaded again after a delete.
    let drafts = crate::ui::page_data(
        move || (after(), deleted()),
        |(after, _)| list_my_drafts(after),
    );

    view! {
        {move || deleted().then(|| view! {
            <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
                <div class="usa-alert__body">
                    <p class="usa-alert__text">"Draft deleted."</p>
                </div>
            </div>
        })}
        {crate::ui::loaded(drafts, "Loading your drafts…", move |data| view! { <DraftList data asking_to_delete=Signal::derive(asking_to_delete) after=Signal::derive(after) /> })}
    }
}

#[component]
fn DraftList(
    data: DraftsData,
    asking_to_delete: Signal<Option<i64>>,
    after: Signal<Option<String>>,
) -> impl IntoView {
    if data.rows.is_empty() {
        return view! {
            <p>"You have no drafts."</p>
            <p><a class="usa-button" href="/messages/new">"Start a new message"</a></p>
        }
        .into_any();
    }
    let rows = StoredValue::new(data.rows.clone());
    let confirm = move || {
        let draft_id = asking_to_delete.get()?;
        let subject = rows.with_value(|rows| {
            rows.iter()
                .find(|row| row.draft_id == draft_id)
                .map(DraftRow::title)
        });
        Some(view! { <ConfirmDelete draft_id subject after /> })
    };
    let list = data
        .rows
        .into_iter()
        .map(|row| {
            let title = row.title();
            let delete_href = match after.get_untracked() {
                Some(after) => format!("/drafts?after={after}&delete={}", row.draft_id),
                None => format!("/drafts?delete={}", row.draft_id),
            };
            view! {
                <tr>
                    <th scope="row" data-label="Subject">
                        <a href=row.href()>{title.clone()}</a>
                        {row.thread_id.map(|_| view! { " " <span class="usa-tag">"Reply"</span> })}
                    </th>
                    <td data-label="Care team">{row.care_team.clone().unwrap_or_else(|| "No care team chosen".to_string())}</td>
                    <td data-label="Last saved">{row.saved.clone()}</td>
                    <td data-label="Actions">
                        <a href=delete_href>"Delete" <span class="usa-sr-only">" draft: " {title}</span></a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {confirm}
        <table class="usa-table usa-table--borderless usa-table--stacked sm-drafts">
            <caption class="usa-sr-only">"Your drafts, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Subject"</th>
                    <th scope="col">"Care team"</th>
                    <th scope="col">"Last saved"</th>
                    <th scope="col"><span class="usa-sr-only">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{list}</tbody>
        </table>
        <nav class="sm-pager" aria-label="Pages of drafts">
            {after.get_untracked().map(|_| view! { <a href="/drafts">"First page"</a> })}
            {data.next.map(|next| view! { <a href=format!("/drafts?after={next}")>"Next page"</a> })}
        </nav>
    }
    .into_any()
}

/// "Delete this draft?", with "Yes, delete draft" and "Cancel". Takes focus when it appears
/// so keyboard and screen reader users meet the question first.
#[component]
fn ConfirmDelete(
    draft_id: i64,
    subject: Option<String>,
    after: Signal<Option<String>>,
) -> impl IntoView {
    let panel = NodeRef::<leptos::html::Div>::new();
    // Reached by a link inside the site: `autofocus` only works on a page load.
    Effect::new(move |_| focus_soon(panel));
    let error = posted_error(&[DeleteMyDraft::PATH]);
    let cancel = match after.get_untracked() {
        Some(after) => format!("/drafts?after={after}"),
        None => "/drafts".to_string(),
    };
    let what = match subject {
        Some(subject) => format!("The draft “{subject}” will be deleted."),
        None => "This draft will be deleted.".to_string(),
    };
    view! {
        <div
            class="usa-alert usa-alert--warning sm-confirm"
            role="alertdialog"
            aria-labelledby="confirm-delete-heading"
            aria-describedby="confirm-delete-text"
            tabindex="-1"
            autofocus
            node_ref=panel
        >
            <div class="usa-alert__body">
                <h2 class="usa-alert__heading" id="confirm-delete-heading">"Delete this draft?"</h2>
                <p class="usa-alert__text" id="confirm-delete-text">
                    {what} " You can't undo this."
                </p>
                {error.map(|error| view! {
                    <p class="usa-error-message" role="alert">{error.to_string()}</p>
                })}
                <form class="sm-confirm__actions" method="post" action=DeleteMyDraft::PATH>
                    <input type="hidden" name="draft_id" value=draft_id.to_string() />
                    <button type="submit" class="usa-button usa-button--secondary">"Yes, delete draft"</button>
                    <a class="usa-button usa-button--outline" href=cancel>"Cancel"</a>
                </form>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_link_to_where_they_are_continued() {
        let mut row = DraftRow {
            draft_id: 7,
            thread_id: None,
            subject: " ".into(),
            care_team: None,
            saved: String::new(),
        };
        assert_eq!(row.href(), "/messages/new?draft=7");
        assert_eq!(row.title(), "(No subject)");
        row.thread_id = Some(3);
        row.subject = "Refill".into();
        assert_eq!(row.href(), "/messages/3");
        assert_eq!(row.title(), "Refill");
    }
}
