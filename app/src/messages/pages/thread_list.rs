//! The list of conversations that folder pages and search results share: one card per
//! thread (care team, subject, category, date of the latest message, an unread mark that
//! is words, not colour alone), the small forms that move a thread, delete it to Trash or
//! restore it, and the paging links.
//!
//! The row forms are plain form posts to server functions that redirect back to the page
//! they came from, so they work before (or without) the wasm, and the reloaded page brings
//! fresh unread counts in the navigation. "Urgent language" is never shown here: the
//! Veteran does not see it, and `ThreadRow` does not carry it.

use crate::error::AppError;
use crate::messages::{Folder, ThreadRow};
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_location, use_query_map};
use serde::{Deserialize, Serialize};

/// A thread as a list shows it: the row and its date, formatted on the server so the
/// server's page and the hydrated one read the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListedThread {
    pub thread: ThreadRow,
    /// "Nov 27, 2026": the latest message's day in the viewer's time zone.
    pub date: String,
    /// The same day as `2026-11-27`, for `<time datetime>`.
    pub date_iso: String,
}

/// One of the person's folders, named as the navigation names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub folder: Folder,
    pub name: String,
}

/// One page of threads and where the pages before and after it start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    pub rows: Vec<ListedThread>,
    /// The `before` token of the page before this one, when there is one.
    pub previous: Option<String>,
    /// The `after` token of the page after this one, when there is one.
    pub next: Option<String>,
    /// Every folder of the person (system and their own), for "Move to" and for naming
    /// where a search result is.
    pub places: Vec<Place>,
}

impl Listing {
    /// The name of a folder of this person.
    pub fn name_of(&self, folder: Folder) -> Option<&str> {
        self.places
            .iter()
            .find(|place| place.folder == folder)
            .map(|place| place.name.as_str())
    }
}

/// How a folder is written in forms and URLs: `inbox`, `sent`, `drafts`, `trash`, or a
/// custom folder's id.
pub fn folder_value(folder: Folder) -> String {
    match folder {
        Folder::Inbox => "inbox".to_string(),
        Folder::Sent => "sent".to_string(),
        Folder::Drafts => "drafts".to_string(),
        Folder::Trash => "trash".to_string(),
        Folder::Custom(id) => id.to_string(),
    }
}

/// Reads `folder_value`'s form; anything else is `None`.
pub fn folder_from_value(value: &str) -> Option<Folder> {
    match value {
        "inbox" => Some(Folder::Inbox),
        "sent" => Some(Folder::Sent),
        "drafts" => Some(Folder::Drafts),
        "trash" => Some(Folder::Trash),
        other => other.parse().ok().map(Folder::Custom),
    }
}

/// Query keys that describe the last action rather than the page: dropped from links and
/// from the address a row form returns to.
const TRANSIENT_KEYS: [&str; 4] = ["notice", "moved_to", "__err", "__path"];

/// The raw query string without the pairs named in `keys` (values stay encoded as they
/// came, so nothing has to be decoded and encoded again).
pub fn query_without(search: &str, keys: &[&str]) -> String {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !keys.contains(&key)
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `path?query` with `extra` pairs appended (their values must need no encoding).
pub fn with_query(path: &str, query: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(str::to_string)
        .collect();
    pairs.extend(extra.iter().map(|(key, value)| format!("{key}={value}")));
    if pairs.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", pairs.join("&"))
    }
}

/// Moves a thread (for the person asking alone) to Inbox or one of their folders, then
/// returns to `back` with a note of what happened.
#[server(endpoint = "move_thread_to_folder", output = leptos::server_fn::codec::Postcard)]
pub async fn move_thread_to_folder(
    thread_id: i64,
    to: String,
    back: String,
) -> Result<(), AppError> {
    let asking = crate::messages::acting::ssr::asking(MoveThreadToFolder::PATH).await?;
    let folder = folder_from_value(&to)
        .ok_or_else(|| AppError::invalid("to", "Choose a folder to move it to."))?;
    crate::messages::ssr::move_thread(
        &asking.state.db,
        &asking.capability,
        asking.veteran_id,
        thread_id,
        folder,
    )
    .await?;
    let value = folder_value(folder);
    leptos_axum::redirect(&ssr::back_to(
        &back,
        &[("notice", "moved"), ("moved_to", &value)],
    ));
    Ok(())
}

/// Delete: moves a thread to the asker's Trash (nothing is erased: messages are medical
/// records, DESIGN.md §2).
#[server(endpoint = "trash_thread_from_list", output = leptos::server_fn::codec::Postcard)]
pub async fn trash_thread_from_list(thread_id: i64, back: String) -> Result<(), AppError> {
    let asking = crate::messages::acting::ssr::asking(TrashThreadFromList::PATH).await?;
    crate::messages::ssr::trash_thread(
        &asking.state.db,
        &asking.capability,
        asking.veteran_id,
        thread_id,
    )
    .await?;
    leptos_axum::redirect(&ssr::back_to(&back, &[("notice", "trashed")]));
    Ok(())
}

/// Takes a thread out of Trash, back to Inbox or Sent.
#[server(endpoint = "restore_thread_from_trash", output = leptos::server_fn::codec::Postcard)]
pub async fn restore_thread_from_trash(thread_id: i64, back: String) -> Result<(), AppError> {
    let asking = crate::messages::acting::ssr::asking(RestoreThreadFromTrash::PATH).await?;
    let folder = crate::messages::ssr::restore_thread(
        &asking.state.db,
        &asking.capability,
        asking.veteran_id,
        thread_id,
    )
    .await?;
    let value = folder_value(folder);
    leptos_axum::redirect(&ssr::back_to(
        &back,
        &[("notice", "restored"), ("moved_to", &value)],
    ));
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{query_without, with_query, ListedThread, Listing, Place, TRANSIENT_KEYS};
    use crate::error::AppError;
    use crate::messages::{FolderSummary, Page, PageCursor, Sort, ThreadRow};
    use std::future::Future;

    /// Where a row form returns: `back` when it is a path on this site (else the Inbox),
    /// without the last action's note, plus this action's note.
    pub fn back_to(back: &str, notice: &[(&str, &str)]) -> String {
        let back = crate::auth::safe_next(Some(back)).unwrap_or("/inbox");
        let (path, query) = back.split_once('?').unwrap_or((back, ""));
        with_query(path, &query_without(query, &TRANSIENT_KEYS), notice)
    }

    fn cursor_of(row: &ThreadRow) -> PageCursor {
        PageCursor {
            at: row.last_message_at,
            id: row.thread_id,
        }
    }

    fn flipped(sort: Sort) -> Sort {
        match sort {
            Sort::NewestFirst => Sort::OldestFirst,
            Sort::OldestFirst => Sort::NewestFirst,
        }
    }

    /// One page in `sort` order, starting after the `after` token or ending before the
    /// `before` token (keyset paging both ways). `fetch(sort, after)` is the data layer's
    /// page query. A page before which nothing is left is answered with the first page, so
    /// "Newer messages" always ends on the same page the folder opens with.
    pub async fn listing<F, Fut>(
        zone: &str,
        summaries: Vec<FolderSummary>,
        sort: Sort,
        after: Option<String>,
        before: Option<String>,
        fetch: F,
    ) -> Result<Listing, AppError>
    where
        F: Fn(Sort, Option<PageCursor>) -> Fut,
        Fut: Future<Output = Result<Page<ThreadRow>, AppError>>,
    {
        let places = summaries
            .into_iter()
            .map(|summary| Place {
                folder: summary.folder,
                name: summary.name,
            })
            .collect();
        if let Some(before) = before.as_deref().and_then(PageCursor::from_token) {
            let page = fetch(flipped(sort), Some(before)).await?;
            if page.next.is_some() {
                let mut rows = page.rows;
                rows.reverse();
                return Ok(Listing {
                    previous: rows.first().map(|row| cursor_of(row).to_token()),
                    next: rows.last().map(|row| cursor_of(row).to_token()),
                    rows: listed(rows, zone),
                    places,
                });
            }
            // Nothing before these rows: this is the first page.
            let page = fetch(sort, None).await?;
            return Ok(Listing {
                previous: None,
                next: page.next.map(PageCursor::to_token),
                rows: listed(page.rows, zone),
                places,
            });
        }
        let after = after.as_deref().and_then(PageCursor::from_token);
        let page = fetch(sort, after).await?;
        let previous = after
            .and(page.rows.first())
            .map(|row| cursor_of(row).to_token());
        Ok(Listing {
            previous,
            next: page.next.map(PageCursor::to_token),
            rows: listed(page.rows, zone),
            places,
        })
    }

    /// The rows with their dates in the viewer's `zone`.
    fn listed(rows: Vec<ThreadRow>, zone: &str) -> Vec<ListedThread> {
        use crate::server::clock::{date, iso_date};
        rows.into_iter()
            .map(|thread| ListedThread {
                date: date(thread.last_message_at, zone),
                date_iso: iso_date(thread.last_message_at, zone),
                thread,
            })
            .collect()
    }
}

/// The words of the paging links: "Older messages"/"Newer messages" in a folder (newest
/// first), "Next page"/"Previous page" in search results (either order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PagerWords {
    pub previous: &'static str,
    pub next: &'static str,
}

pub const FOLDER_PAGER: PagerWords = PagerWords {
    previous: "Newer messages",
    next: "Older messages",
};

pub const SEARCH_PAGER: PagerWords = PagerWords {
    previous: "Previous page",
    next: "Next page",
};

/// The current page's address without the last action's note: where row forms return.
fn current_address() -> Signal<String> {
    let location = use_location();
    Signal::derive(move || {
        with_query(
            &location.pathname.get(),
            &query_without(&location.search.get(), &TRANSIENT_KEYS),
            &[],
        )
    })
}

/// A link to this list's page starting after (or ending before) `token`, or to its first
/// page, keeping every other part of the query (a search's words and filters).
fn page_link(token: Option<(&'static str, String)>) -> Signal<String> {
    let location = use_location();
    Signal::derive(move || {
        let mut drop = TRANSIENT_KEYS.to_vec();
        drop.extend(["after", "before"]);
        let extra: Vec<(&str, &str)> = token
            .iter()
            .map(|(key, value)| (*key, value.as_str()))
            .collect();
        with_query(
            &location.pathname.get(),
            &query_without(&location.search.get(), &drop),
            &extra,
        )
    })
}

/// The threads of one page, or `empty` when there are none, with paging links.
/// `show_folder` names where each thread is (searching every folder).
#[component]
pub fn ThreadList(
    listing: Listing,
    empty: String,
    words: PagerWords,
    #[prop(optional)] show_folder: bool,
) -> impl IntoView {
    let back = current_address();
    let Listing {
        rows,
        previous,
        next,
        places,
    } = listing;
    let paged = previous.is_some() || next.is_some();
    let query = use_query_map();
    let mid_list = move || {
        let query = query.read();
        query.get("after").is_some() || query.get("before").is_some()
    };
    let body = if rows.is_empty() {
        let first_page = page_link(None);
        view! {
            <div class="sm-empty">
                <p>{empty}</p>
                {move || mid_list().then(|| view! {
                    <p><a href=first_page>"Go to the first page"</a></p>
                })}
            </div>
        }
        .into_any()
    } else {
        let places = StoredValue::new(places);
        view! {
            <ul class="sm-threads">
                {rows
                    .into_iter()
                    .map(|item| {
                        let folder_name = show_folder
                            .then(|| {
                                places.with_value(|places| {
                                    places
                                        .iter()
                                        .find(|p| p.folder == item.thread.folder)
                                        .map(|p| p.name.clone())
                                })
                            })
                            .flatten();
                        let targets = places.with_value(|places| move_targets(places, item.thread.folder));
                        view! { <ThreadCard item targets folder_name back /> }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        {body}
        {paged.then(|| view! { <Pager previous next words /> })}
    }
}

/// Where a thread in `from` can be moved with "Move to": Inbox and the person's own
/// folders, except where it already is. (Delete is the way to Trash; Sent and Drafts are
/// not places a thread can be put.)
fn move_targets(places: &[Place], from: Folder) -> Vec<Place> {
    places
        .iter()
        .filter(|place| matches!(place.folder, Folder::Inbox | Folder::Custom(_)))
        .filter(|place| place.folder != from)
        .cloned()
        .collect()
}

#[component]
fn ThreadCard(
    item: ListedThread,
    targets: Vec<Place>,
    folder_name: Option<String>,
    back: Signal<String>,
) -> impl IntoView {
    let ListedThread {
        thread,
        date,
        date_iso,
    } = item;
    let id = thread.thread_id;
    let subject = thread.subject.clone();
    let in_trash = thread.folder == Folder::Trash;
    let actions = if in_trash {
        view! {
            <form method="post" action=RestoreThreadFromTrash::PATH class="sm-thread__form">
                <input type="hidden" name="thread_id" value=id.to_string() />
                <input type="hidden" name="back" value=back />
                <button type="submit" class="usa-button usa-button--outline">
                    "Restore"<span class="usa-sr-only">" " {subject.clone()}</span>
                </button>
            </form>
        }
        .into_any()
    } else {
        let move_id = format!("move-{id}");
        let move_form = (!targets.is_empty()).then(|| {
            view! {
                <form method="post" action=MoveThreadToFolder::PATH class="sm-thread__form sm-thread__move">
                    <input type="hidden" name="thread_id" value=id.to_string() />
                    <input type="hidden" name="back" value=back />
                    <label class="usa-label" for=move_id.clone()>
                        "Move to"<span class="usa-sr-only">" (" {subject.clone()} ")"</span>
                    </label>
                    <select class="usa-select" id=move_id name="to">
                        {targets
                            .into_iter()
                            .map(|place| view! { <option value=folder_value(place.folder)>{place.name}</option> })
                            .collect_view()}
                    </select>
                    <button type="submit" class="usa-button usa-button--outline">"Move"</button>
                </form>
            }
        });
        view! {
            {move_form}
            <form method="post" action=TrashThreadFromList::PATH class="sm-thread__form">
                <input type="hidden" name="thread_id" value=id.to_string() />
                <input type="hidden" name="back" value=back />
                <button type="submit" class="usa-button usa-button--secondary">
                    "Delete"<span class="usa-sr-only">" " {subject.clone()}</span>
                </button>
            </form>
        }
        .into_any()
    };
    view! {
        <li class="sm-thread" class:sm-thread--unread=thread.unread>
            <p class="sm-thread__subject">
                {thread.unread.then(|| view! { <span class="sm-unread">"Unread"</span> " " })}
                <a href=format!("/messages/{id}")>{thread.subject}</a>
            </p>
            <p class="sm-thread__facts">
                <span><span class="usa-sr-only">"Care team: "</span>{thread.care_team}</span>
                <span><span class="usa-sr-only">"Category: "</span>{thread.category.label()}</span>
                <span>
                    <span class="usa-sr-only">"Latest message: "</span>
                    <time datetime=date_iso>{date}</time>
                </span>
                {folder_name.map(|name| view! { <span>"In " {name}</span> })}
            </p>
            <div class="sm-thread__actions">{actions}</div>
        </li>
    }
}

#[component]
fn Pager(previous: Option<String>, next: Option<String>, words: PagerWords) -> impl IntoView {
    view! {
        <nav class="sm-list-pager" aria-label="Pages">
            {previous.map(|token| {
                let href = page_link(Some(("before", token)));
                view! { <a class="sm-list-pager__previous" href=href>{words.previous}</a> }
            })}
            {next.map(|token| {
                let href = page_link(Some(("after", token)));
                view! { <a class="sm-list-pager__next" href=href>{words.next}</a> }
            })}
        </nav>
    }
}

/// What the last row form did ("notice" in the address after its redirect), or the error
/// it met (without the wasm, the error comes back in the address too).
#[component]
pub fn RowNotice(listing_places: Vec<Place>) -> impl IntoView {
    let query = use_query_map();
    let moved = ServerAction::<MoveThreadToFolder>::new();
    let trashed = ServerAction::<TrashThreadFromList>::new();
    let restored = ServerAction::<RestoreThreadFromTrash>::new();
    let error = Signal::derive(move || {
        [moved.value(), trashed.value(), restored.value()]
            .into_iter()
            .find_map(|value| value.get().and_then(Result::err))
    });
    let name_of = move |value: Option<String>| {
        value
            .as_deref()
            .and_then(folder_from_value)
            .and_then(|folder| {
                listing_places
                    .iter()
                    .find(|place| place.folder == folder)
                    .map(|place| place.name.clone())
            })
    };
    let notice = move || {
        let query = query.read();
        let to = name_of(query.get("moved_to"));
        match query.get("notice").as_deref() {
            Some("moved") => Some(match to {
                Some(name) => format!("The conversation was moved to {name}."),
                None => "The conversation was moved.".to_string(),
            }),
            Some("trashed") => Some(
                "The conversation was moved to Trash. You can restore it from Trash.".to_string(),
            ),
            Some("restored") => Some(match to {
                Some(name) => format!("The conversation was restored to {name}."),
                None => "The conversation was restored.".to_string(),
            }),
            _ => None,
        }
    };
    view! {
        <ErrorSummary error />
        <crate::ui::SuccessStatus text=notice />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_values_round_trip() {
        for folder in [
            Folder::Inbox,
            Folder::Sent,
            Folder::Drafts,
            Folder::Trash,
            Folder::Custom(42),
        ] {
            assert_eq!(folder_from_value(&folder_value(folder)), Some(folder));
        }
        assert_eq!(folder_from_value(""), None);
        assert_eq!(folder_from_value("Inbox"), None);
        assert_eq!(folder_from_value("4x"), None);
    }

    #[test]
    fn queries_lose_only_the_named_pairs() {
        assert_eq!(
            query_without(
                "?q=blood+pressure&notice=moved&moved_to=3&after=1.2",
                &["notice", "moved_to"]
            ),
            "q=blood+pressure&after=1.2"
        );
        assert_eq!(query_without("", &["notice"]), "");
        assert_eq!(with_query("/inbox", "", &[]), "/inbox");
        assert_eq!(
            with_query("/search", "q=x", &[("after", "1.2")]),
            "/search?q=x&after=1.2"
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn row_forms_return_only_to_this_site() {
        assert_eq!(
            ssr::back_to("/inbox?after=1.2&notice=trashed", &[("notice", "moved")]),
            "/inbox?after=1.2&notice=moved"
        );
        assert_eq!(
            ssr::back_to("https://evil.example/", &[("notice", "trashed")]),
            "/inbox?notice=trashed"
        );
        assert_eq!(ssr::back_to("//evil.example", &[]), "/inbox");
    }
}
