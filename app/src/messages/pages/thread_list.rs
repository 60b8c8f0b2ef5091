//! The list of conversations that folder pages and search results share: one card per
//! thread (care team, subject, category, date of the latest message, an unread mark that
//! is words, not colour alone), the small forms that move a thread, delete it to Trash or
//! restore it, and the paging links.
//!
//! The row forms are plain form posts to server functions that redirect back to the page
//! they came from, so they work before (or without) the wasm, and the reloaded page brings
//! fresh unread counts in the navigation. "Urgent language" is never shown here: the
//! Veteran does not see it (issue 3), and `ThreadRow` does not carry it.

use crate::error::AppError;
use crate::layout::ErrorSummary;
use crate::messages::{Folder, ThreadRow};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_location, use_query_map};
use serde::{Deserialize, Serialize};

/// A thread as a list shows it: the row and its date, formatted on the server so the
/// server's page and the hydrated one read the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListedThread {
    pub thread: ThreadRow,
    /// "Nov 27, 2026": the latest message's day in the facility's time zone.
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
#[server(endpoint = "move_thread_to_folder")]
pub async fn move_thread_to_folder(
    thread_id: i64,
    to: String,
    back: String,
) -> Result<(), AppError> {
    let asking = crate::messages::acting::ssr::asking("api:move_thread_to_folder").await?;
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
#[server(endpoint = "trash_thread_from_list")]
pub async fn trash_thread_from_list(thread_id: i64, back: String) -> Result<(), AppError> {
    let asking = crate::messages::acting::ssr::asking("api:trash_thread_from_list").await?;
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
#[server(endpoint = "restore_thread_from_trash")]
pub async fn restore_thread_from_trash(thread_id: i64, back: String) -> Result<(), AppError> {
    let asking = crate::messages::acting::ssr::asking("api:restore_thread_from_trash").await?;
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
    use super::{dates, query_without, with_query, ListedThread, Listing, Place, TRANSIENT_KEYS};
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
                    rows: listed(rows),
                    places,
                });
            }
            // Nothing before these rows: this is the first page.
            let page = fetch(sort, None).await?;
            return Ok(Listing {
                previous: None,
                next: page.next.map(PageCursor::to_token),
                rows: listed(page.rows),
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
            rows: listed(page.rows),
            places,
        })
    }

    fn listed(rows: Vec<ThreadRow>) -> Vec<ListedThread> {
        rows.into_iter()
            .map(|thread| ListedThread {
                date: dates::plain_date(thread.last_message_at),
                date_iso: dates::iso_date(thread.last_message_at),
                thread,
            })
            .collect()
    }
}

/// Dates as people read them, in one fixed zone so every page agrees: the demo facility's
/// America/New_York (DESIGN.md §5), with the U.S. daylight-saving rule in force since 2007
/// (second Sunday of March to first Sunday of November, at 2 a.m. local). Pure arithmetic
/// on days, so it needs no time-zone database.
#[cfg(feature = "ssr")]
pub mod dates {
    const HOUR_MS: i64 = 60 * 60 * 1000;
    const DAY_MS: i64 = 24 * HOUR_MS;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
        let year = if month <= 2 { year - 1 } else { year };
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(month);
        let day_of_year =
            (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date of a day count (the inverse of `days_from_civil`).
    pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
        let days = days + 719_468;
        let era = days.div_euclid(146_097);
        let day_of_era = days - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        // Both fit: 1 ≤ day ≤ 31 and 1 ≤ month ≤ 12 by construction.
        (year, month as u32, day as u32)
    }

    /// The day count of the `nth` Sunday of a month.
    fn nth_sunday(year: i64, month: u32, nth: i64) -> i64 {
        let first = days_from_civil(year, month, 1);
        // 1970-01-01 was a Thursday: weekday 4 when Sunday is 0.
        let weekday = (first + 4).rem_euclid(7);
        first + (7 - weekday) % 7 + 7 * (nth - 1)
    }

    /// New York's offset from UTC at `utc_ms`: -4 hours in daylight time, else -5.
    fn offset_ms(utc_ms: i64) -> i64 {
        let (year, _, _) = civil_from_days(utc_ms.div_euclid(DAY_MS));
        // 2 a.m. EST is 07:00 UTC; 2 a.m. EDT is 06:00 UTC.
        let starts = nth_sunday(year, 3, 2) * DAY_MS + 7 * HOUR_MS;
        let ends = nth_sunday(year, 11, 1) * DAY_MS + 6 * HOUR_MS;
        if (starts..ends).contains(&utc_ms) {
            -4 * HOUR_MS
        } else {
            -5 * HOUR_MS
        }
    }

    /// The local date at `utc_ms`.
    pub fn local_date(utc_ms: i64) -> (i64, u32, u32) {
        civil_from_days((utc_ms + offset_ms(utc_ms)).div_euclid(DAY_MS))
    }

    /// "Nov 27, 2026".
    pub fn plain_date(utc_ms: i64) -> String {
        let (year, month, day) = local_date(utc_ms);
        let name = MONTHS.get(month as usize - 1).copied().unwrap_or_default();
        format!("{name} {day}, {year}")
    }

    /// "2026-11-27".
    pub fn iso_date(utc_ms: i64) -> String {
        let (year, month, day) = local_date(utc_ms);
        format!("{year:04}-{month:02}-{day:02}")
    }

    /// Reads "2026-11-27" (what a date field sends); `None` for anything else, including
    /// days that do not exist.
    pub fn parse_iso_date(text: &str) -> Option<(i64, u32, u32)> {
        let mut parts = text.trim().splitn(3, '-');
        let year: i64 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        // A real day: it survives the round trip through a day count.
        (civil_from_days(days_from_civil(year, month, day)) == (year, month, day))
            .then_some((year, month, day))
    }

    /// The first millisecond of a local day, in UTC. Midnight is never inside a
    /// daylight-saving change (those happen at 2 a.m.), so the offset five hours later
    /// in UTC is the offset at midnight.
    pub fn start_of_day_ms(year: i64, month: u32, day: u32) -> i64 {
        let local_midnight = days_from_civil(year, month, day) * DAY_MS;
        local_midnight - offset_ms(local_midnight + 5 * HOUR_MS)
    }

    /// The last millisecond of a local day, in UTC.
    pub fn end_of_day_ms(year: i64, month: u32, day: u32) -> i64 {
        let (year, month, day) = civil_from_days(days_from_civil(year, month, day) + 1);
        start_of_day_ms(year, month, day) - 1
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn day_counts_round_trip() {
            assert_eq!(days_from_civil(1970, 1, 1), 0);
            assert_eq!(days_from_civil(2000, 3, 1), 11_017);
            assert_eq!(civil_from_days(-1), (1969, 12, 31));
            for days in (-800_000..800_000).step_by(997) {
                let (y, m, d) = civil_from_days(days);
                assert_eq!(days_from_civil(y, m, d), days);
            }
        }

        #[test]
        fn dates_follow_new_york_time_across_daylight_saving() {
            // 2026-07-01 03:30 UTC is still June 30 in New York (EDT, -4).
            assert_eq!(plain_date(1_782_876_600_000), "Jun 30, 2026");
            // 2026-12-01 04:30 UTC is still November 30 (EST, -5).
            assert_eq!(plain_date(1_796_099_400_000), "Nov 30, 2026");
            assert_eq!(iso_date(1_796_099_400_000), "2026-11-30");
            // 2026-12-01 05:00 UTC is midnight in New York.
            assert_eq!(plain_date(1_796_101_200_000), "Dec 1, 2026");
            // Daylight time in 2026 runs from March 8 07:00 UTC to November 1 06:00 UTC.
            let march_8 = days_from_civil(2026, 3, 8) * DAY_MS;
            assert_eq!(offset_ms(march_8 + 7 * HOUR_MS - 1), -5 * HOUR_MS);
            assert_eq!(offset_ms(march_8 + 7 * HOUR_MS), -4 * HOUR_MS);
            let november_1 = days_from_civil(2026, 11, 1) * DAY_MS;
            assert_eq!(offset_ms(november_1 + 6 * HOUR_MS - 1), -4 * HOUR_MS);
            assert_eq!(offset_ms(november_1 + 6 * HOUR_MS), -5 * HOUR_MS);
        }

        #[test]
        fn local_days_begin_at_local_midnight() {
            // Summer: midnight EDT is 04:00 UTC; winter: midnight EST is 05:00 UTC.
            let july_1 = start_of_day_ms(2026, 7, 1);
            assert_eq!(july_1, days_from_civil(2026, 7, 1) * DAY_MS + 4 * HOUR_MS);
            assert_eq!(iso_date(july_1), "2026-07-01");
            assert_eq!(iso_date(july_1 - 1), "2026-06-30");
            let december_1 = start_of_day_ms(2026, 12, 1);
            assert_eq!(
                december_1,
                days_from_civil(2026, 12, 1) * DAY_MS + 5 * HOUR_MS
            );
            // The day daylight time starts is 23 hours long; the day it ends, 25.
            assert_eq!(
                end_of_day_ms(2026, 3, 8) + 1 - start_of_day_ms(2026, 3, 8),
                23 * HOUR_MS
            );
            assert_eq!(
                end_of_day_ms(2026, 11, 1) + 1 - start_of_day_ms(2026, 11, 1),
                25 * HOUR_MS
            );
        }

        #[test]
        fn only_real_days_parse() {
            assert_eq!(parse_iso_date("2026-11-27"), Some((2026, 11, 27)));
            assert_eq!(parse_iso_date("2028-02-29"), Some((2028, 2, 29)));
            assert_eq!(parse_iso_date("2026-02-29"), None);
            assert_eq!(parse_iso_date("2026-13-01"), None);
            assert_eq!(parse_iso_date("11/27/2026"), None);
            assert_eq!(parse_iso_date(""), None);
        }
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
        <div role="status" class="sm-status">
            {move || notice().map(|text| view! {
                <div class="usa-alert usa-alert--success usa-alert--slim">
                    <div class="usa-alert__body">
                        <p class="usa-alert__text">{text}</p>
                    </div>
                </div>
            })}
        </div>
    }
}

/// A page that failed for a reason other than "not found" (those get the not-found page).
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    view! {
        <div class="usa-alert usa-alert--error" role="alert">
            <div class="usa-alert__body">
                <p class="usa-alert__text">{error.to_string()}</p>
            </div>
        </div>
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
