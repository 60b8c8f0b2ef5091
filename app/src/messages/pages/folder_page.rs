//! `/inbox`, `/sent`, `/trash` and `/folders/:folder_id`: one folder of the person's
//! conversations, 10 a page, newest first, with a search of this folder and "Start a new
//! message". Another person's folder, or one that does not exist, is "Page not found"
//! (DESIGN.md §3).

use super::thread_list::{folder_value, Listing, RowNotice, ThreadList, FOLDER_PAGER};
use crate::auth::Area;
use crate::error::AppError;
use crate::messages::Folder;
use crate::ui::LoadError;
use crate::ui::{Gate, NotFound};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// A folder page: which folder, its name, and one page of its threads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FolderPageData {
    pub folder: Folder,
    pub name: String,
    pub listing: Listing,
}

/// One page of a folder. `folder` is `inbox`, `sent`, `trash` or a custom folder's id;
/// `after`/`before` are paging tokens from the page's links.
#[server(endpoint = "folder_listing", output = leptos::server_fn::codec::Postcard)]
pub async fn folder_listing(
    folder: String,
    after: Option<String>,
    before: Option<String>,
) -> Result<FolderPageData, AppError> {
    use super::thread_list::{folder_from_value, ssr::listing};
    use crate::messages::Sort;
    let asking = crate::messages::acting::ssr::asking(FolderListing::PATH).await?;
    let (db, capability, veteran_id) = (&asking.state.db, &asking.capability, asking.veteran_id);
    // Drafts have their own page; anything unknown is simply not found.
    let folder = folder_from_value(&folder)
        .filter(|folder| *folder != Folder::Drafts)
        .ok_or(AppError::NotFound)?;
    // The person's folders (their own only): a folder id not among them is not found.
    let summaries = crate::messages::ssr::folders(db, capability, veteran_id).await?;
    let name = summaries
        .iter()
        .find(|summary| summary.folder == folder)
        .map(|summary| summary.name.clone())
        .ok_or(AppError::NotFound)?;
    let listing = listing(
        &capability.user().time_zone,
        summaries,
        Sort::NewestFirst,
        after,
        before,
        |sort, after| {
            crate::messages::ssr::list_folder(db, capability, veteran_id, folder, sort, after)
        },
    )
    .await?;
    Ok(FolderPageData {
        folder,
        name,
        listing,
    })
}

#[component]
pub fn FolderPage() -> impl IntoView {
    view! {
        <Gate area=Area::Messages>
            <FolderContent />
        </Gate>
    }
}

/// Inside the gate, so a refused visitor never calls the server function.
#[component]
fn FolderContent() -> impl IntoView {
    let location = use_location();
    let params = use_params_map();
    let query = use_query_map();
    // Which folder the address names: a system folder's path, or digits after /folders/.
    let folder = move || match location.pathname.get().trim_end_matches('/') {
        "/inbox" => Some("inbox".to_string()),
        "/sent" => Some("sent".to_string()),
        "/trash" => Some("trash".to_string()),
        _ => params
            .read()
            .get("folder_id")
            .filter(|id| id.parse::<i64>().is_ok()),
    };
    let page = crate::ui::page_data(
        move || {
            let query = query.read();
            (folder(), query.get("after"), query.get("before"))
        },
        |(folder, after, before)| async move {
            match folder {
                Some(folder) => folder_listing(folder, after, before).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    // A caregiver whose access has ended has no mailbox at all: their own folders are
    // "not found", and the page says why rather than "not found" on their home page.
    let builtin =
        matches!(untrack(folder), Some(f) if !f.starts_with(|c: char| c.is_ascii_digit()));
    let no_mailbox = builtin
        && crate::ui::viewer().is_some_and(|user| user.role == crate::auth::Role::Caregiver);
    view! {
        <crate::live::NewMessageNotice />
        <Suspense fallback=|| view! { <p>"Loading your messages…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <FolderView page /> }.into_any(),
                    Err(AppError::NotFound) if no_mailbox => view! { <NoMailbox /> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound /> }.into_any(),
                    Err(error) => view! {
                        <Title text="Messages" />
                        <h1>"Messages"</h1>
                        <LoadError error />
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FolderView(page: FolderPageData) -> impl IntoView {
    let FolderPageData {
        folder,
        name,
        listing,
    } = page;
    let empty = format!("There are no conversations in {name}.");
    let places = listing.places.clone();
    view! {
        <Title text=name.clone() />
        <div class="sm-page-head">
            <h1>{name.clone()}</h1>
            <a class="usa-button" href="/messages/new">"Start a new message"</a>
        </div>
        <RowNotice listing_places=places />
        <FolderSearch folder name />
        // Live: a new message or a change by the care team shows by itself.
        <crate::live::LiveRegion name="conversations">
            <ThreadList listing empty words=FOLDER_PAGER />
        </crate::live::LiveRegion>
    }
}

/// Keywords for this folder: a plain GET to the search page, so it works without the wasm
/// and the results have an address of their own.
#[component]
fn FolderSearch(folder: Folder, name: String) -> impl IntoView {
    view! {
        <form class="sm-folder-search" method="get" action="/search" role="search">
            <input type="hidden" name="folder" value=folder_value(folder) />
            <label class="usa-label" for="folder-search">"Search " {name}</label>
            <div class="sm-inline-field">
                <input class="usa-input" id="folder-search" name="q" type="search" />
                <button class="usa-button" type="submit">"Search"</button>
            </div>
        </form>
    }
}

#[component]
fn NoMailbox() -> impl IntoView {
    view! {
        <Title text="No messages to show" />
        <h1>"No messages to show"</h1>
        <p>
            "You don't have access to any Veteran's messages right now. If you should, ask the Veteran to give you access again."
        </p>
    }
}
