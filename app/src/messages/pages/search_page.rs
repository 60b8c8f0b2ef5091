//! `/search`: keywords (subject, message, care team), a folder or everywhere but Trash, a
//! category, a date range (last 3, 6 or 12 months, or custom days) and newest or oldest
//! first (DESIGN.md §2). A GET form: the results have an address to come back to, and the
//! page works without the wasm. Results use the folders' list.

use super::thread_list::{Listing, RowNotice, ThreadList, SEARCH_PAGER};
use crate::auth::Area;
use crate::error::AppError;
use crate::messages::Category;
use crate::ui::ErrorSummary;
use crate::ui::Gate;
use crate::ui::LoadError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The search form as the address carries it, every field as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchParams {
    pub q: String,
    /// A folder value (`inbox`, a custom folder's id, …); empty for everywhere but Trash.
    pub folder: String,
    /// A category's stored value; empty for any.
    pub category: String,
    /// `3`, `6`, `12`, `custom`, or empty for any time.
    pub dates: String,
    /// Custom days, `yyyy-mm-dd` (what a date field sends).
    pub from: String,
    pub to: String,
    /// `oldest`, or empty for newest first.
    pub sort: String,
}

impl SearchParams {
    /// Whether anything was asked (the page opens with the form alone).
    pub fn is_search(&self) -> bool {
        [
            &self.q,
            &self.folder,
            &self.category,
            &self.dates,
            &self.from,
            &self.to,
            &self.sort,
        ]
        .iter()
        .any(|field| !field.trim().is_empty())
    }
}

/// The search page: the person's folders to search in, and what the search found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The folders the form offers, as (value, name): every folder but Drafts.
    pub folders: Vec<(String, String)>,
    /// One page of results, `None` before anything is asked, or the fields to correct.
    pub found: Result<Option<Listing>, AppError>,
}

#[server(endpoint = "search_messages", output = leptos::server_fn::codec::Postcard)]
pub async fn search_messages(
    params: SearchParams,
    after: Option<String>,
    before: Option<String>,
) -> Result<SearchResults, AppError> {
    use super::thread_list::{folder_value, ssr::listing};
    use crate::messages::Folder;
    let asking = crate::messages::acting::ssr::asking(SearchMessages::PATH).await?;
    let (db, capability, veteran_id) = (&asking.state.db, &asking.capability, asking.veteran_id);
    let summaries = crate::messages::ssr::folders(db, capability, veteran_id).await?;
    let folders = summaries
        .iter()
        .filter(|summary| summary.folder != Folder::Drafts)
        .map(|summary| (folder_value(summary.folder), summary.name.clone()))
        .collect();
    let refused = |error: AppError| match error {
        error @ AppError::Invalid { .. } => Ok(SearchResults {
            folders: Vec::new(),
            found: Err(error),
        }),
        other => Err(other),
    };
    if !params.is_search() {
        return Ok(SearchResults {
            folders,
            found: Ok(None),
        });
    }
    let query = match ssr::query(&params, &capability.user().time_zone) {
        Ok(query) => query,
        Err(error) => {
            return refused(error).map(|results| SearchResults { folders, ..results });
        }
    };
    if let Some(folder) = query.folder {
        // Only the person's own folders: any other id is refused like a bad choice.
        if !summaries.iter().any(|summary| summary.folder == folder) {
            return Ok(SearchResults {
                folders,
                found: Err(AppError::invalid("folder", ssr::CHOOSE_FOLDER)),
            });
        }
    }
    let sort = query.sort;
    let found =
        listing(
            &capability.user().time_zone,
            summaries,
            sort,
            after,
            before,
            |sort, after| {
                let query = crate::messages::SearchQuery {
                    sort,
                    ..query.clone()
                };
                async move {
                    crate::messages::ssr::search(db, capability, veteran_id, &query, after).await
                }
            },
        )
        .await;
    match found {
        Ok(found) => Ok(SearchResults {
            folders,
            found: Ok(Some(found)),
        }),
        Err(error) => refused(error).map(|results| SearchResults { folders, ..results }),
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::thread_list::folder_from_value;
    use super::SearchParams;
    use crate::error::AppError;
    use crate::messages::{Category, DateRange, Folder, SearchQuery, Sort};
    use crate::server::clock;
    use std::collections::BTreeMap;

    pub const CHOOSE_FOLDER: &str = "Choose a folder from the list.";

    /// Turns the form into a data-layer query, naming every field that needs fixing.
    /// Custom dates are whole days in the viewer's `zone`.
    pub fn query(params: &SearchParams, zone: &str) -> Result<SearchQuery, AppError> {
        let mut fields = BTreeMap::new();
        let folder = match params.folder.trim() {
            "" => None,
            value => match folder_from_value(value) {
                Some(Folder::Drafts) | None => {
                    fields.insert("folder".to_string(), CHOOSE_FOLDER.to_string());
                    None
                }
                Some(folder) => Some(folder),
            },
        };
        let category = match params.category.trim() {
            "" => None,
            value => {
                let category = Category::parse(value);
                if category.is_none() {
                    fields.insert(
                        "category".to_string(),
                        "Choose a category from the list.".to_string(),
                    );
                }
                category
            }
        };
        let dates = match params.dates.trim() {
            "" | "any" => DateRange::AnyTime,
            "3" => DateRange::Last3Months,
            "6" => DateRange::Last6Months,
            "12" => DateRange::Last12Months,
            "custom" => custom_dates(params, zone, &mut fields),
            _ => {
                fields.insert(
                    "dates".to_string(),
                    "Choose a date range from the list.".to_string(),
                );
                DateRange::AnyTime
            }
        };
        let sort = match params.sort.trim() {
            "oldest" => Sort::OldestFirst,
            _ => Sort::NewestFirst,
        };
        if fields.is_empty() {
            Ok(SearchQuery {
                keywords: params.q.clone(),
                folder,
                category,
                dates,
                sort,
            })
        } else {
            Err(AppError::Invalid { fields })
        }
    }

    /// Custom days, inclusive, from the start of `from` to the end of `to`, in the
    /// viewer's time zone. Either may be left empty; not both.
    fn custom_dates(
        params: &SearchParams,
        zone: &str,
        fields: &mut BTreeMap<String, String>,
    ) -> DateRange {
        let mut day = |field: &str, text: &str| {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let parsed = clock::parse_iso_date(text);
            if parsed.is_none() {
                fields.insert(
                    field.to_string(),
                    "Enter a real date, for example 2026-11-27.".to_string(),
                );
            }
            parsed
        };
        let from = day("from", &params.from);
        let to = day("to", &params.to);
        if params.from.trim().is_empty() && params.to.trim().is_empty() {
            fields.insert(
                "from".to_string(),
                "Enter a start date, an end date, or both.".to_string(),
            );
        }
        let from_ms = from.and_then(|day| clock::start_of_day_ms(day, zone));
        let to_ms = to.and_then(|day| clock::end_of_day_ms(day, zone));
        if let (Some(start), Some(end)) = (from_ms, to_ms) {
            if start > end {
                fields.insert(
                    "to".to_string(),
                    "The end date must be the same as or after the start date.".to_string(),
                );
            }
        }
        DateRange::Custom { from_ms, to_ms }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        const NEW_YORK: &str = "America/New_York";

        fn params(pairs: &[(&str, &str)]) -> SearchParams {
            let mut params = SearchParams::default();
            for (key, value) in pairs {
                let value = value.to_string();
                match *key {
                    "q" => params.q = value,
                    "folder" => params.folder = value,
                    "category" => params.category = value,
                    "dates" => params.dates = value,
                    "from" => params.from = value,
                    "to" => params.to = value,
                    "sort" => params.sort = value,
                    _ => {}
                }
            }
            params
        }

        #[test]
        fn a_form_becomes_a_query() {
            let query = query(
                &params(&[
                    ("q", "refill"),
                    ("folder", "inbox"),
                    ("category", "medication"),
                    ("dates", "6"),
                    ("sort", "oldest"),
                ]),
                NEW_YORK,
            )
            .unwrap();
            assert_eq!(query.keywords, "refill");
            assert_eq!(query.folder, Some(Folder::Inbox));
            assert_eq!(query.category, Some(Category::Medication));
            assert_eq!(query.dates, DateRange::Last6Months);
            assert_eq!(query.sort, Sort::OldestFirst);
            let everywhere = super::query(&params(&[("q", "x")]), NEW_YORK).unwrap();
            assert_eq!(everywhere.folder, None);
            assert_eq!(everywhere.sort, Sort::NewestFirst);
        }

        #[test]
        fn custom_days_cover_whole_local_days() {
            let query = query(
                &params(&[
                    ("dates", "custom"),
                    ("from", "2026-07-01"),
                    ("to", "2026-07-01"),
                ]),
                NEW_YORK,
            )
            .unwrap();
            let DateRange::Custom {
                from_ms: Some(from),
                to_ms: Some(to),
            } = query.dates
            else {
                panic!("custom dates expected");
            };
            assert_eq!(to + 1 - from, 24 * 60 * 60 * 1000);
            assert_eq!(clock::iso_date(from, NEW_YORK), "2026-07-01");
            assert_eq!(clock::iso_date(to, NEW_YORK), "2026-07-01");
            // The same days chosen by someone in Honolulu start six hours later.
            let honolulu = super::query(
                &params(&[
                    ("dates", "custom"),
                    ("from", "2026-07-01"),
                    ("to", "2026-07-01"),
                ]),
                "Pacific/Honolulu",
            )
            .unwrap();
            let DateRange::Custom {
                from_ms: Some(honolulu_from),
                ..
            } = honolulu.dates
            else {
                panic!("custom dates expected");
            };
            assert_eq!(honolulu_from - from, 6 * 60 * 60 * 1000);
        }

        #[test]
        fn bad_choices_are_named_at_their_fields() {
            let error = query(
                &params(&[
                    ("folder", "drafts"),
                    ("category", "gossip"),
                    ("dates", "custom"),
                    ("from", "2026-02-30"),
                ]),
                NEW_YORK,
            )
            .unwrap_err();
            assert_eq!(error.field("folder").as_deref(), Some(CHOOSE_FOLDER));
            assert!(error.field("category").is_some());
            assert!(error.field("from").is_some());
            let error = query(&params(&[("dates", "custom")]), NEW_YORK).unwrap_err();
            assert!(error.field("from").is_some());
            let error = query(
                &params(&[
                    ("dates", "custom"),
                    ("from", "2026-05-02"),
                    ("to", "2026-05-01"),
                ]),
                NEW_YORK,
            )
            .unwrap_err();
            assert!(error.field("to").is_some());
        }
    }
}

#[component]
pub fn SearchPage() -> impl IntoView {
    view! {
        <Gate area=Area::Messages>
            <Title text="Search messages" />
            <h1>"Search messages"</h1>
            <SearchContent />
        </Gate>
    }
}

/// Reads the form from the address.
fn params_from_query() -> Memo<SearchParams> {
    let query = use_query_map();
    Memo::new(move |_| {
        let query = query.read();
        let get = |key: &str| query.get(key).unwrap_or_default();
        SearchParams {
            q: get("q"),
            folder: get("folder"),
            category: get("category"),
            dates: get("dates"),
            from: get("from"),
            to: get("to"),
            sort: get("sort"),
        }
    })
}

/// Inside the gate, so a refused visitor never calls the server function.
#[component]
fn SearchContent() -> impl IntoView {
    let params = params_from_query();
    let query = use_query_map();
    let results = crate::ui::page_data(
        move || {
            let query = query.read();
            (params.get(), query.get("after"), query.get("before"))
        },
        |(params, after, before)| search_messages(params, after, before),
    );
    // Everything that depends on the search is drawn once its result is in, so the page
    // the server sends and the hydrated one agree (errors included).
    let page = move || {
        Suspend::new(async move {
            let (folders, result) = match results.await {
                Ok(results) => (results.folders, results.found),
                Err(error) => (Vec::new(), Err(error)),
            };
            let problems = match &result {
                Err(error @ AppError::Invalid { .. }) => Some(error.clone()),
                _ => None,
            };
            let summary = problems.clone();
            let found = match result {
                Ok(Some(listing)) => {
                    let places = listing.places.clone();
                    view! {
                        <h2>"Results"</h2>
                        <RowNotice listing_places=places />
                        <ThreadList
                            listing
                            empty="No conversations match your search. Try other words or fewer filters.".to_string()
                            words=SEARCH_PAGER
                            show_folder=true
                        />
                    }
                    .into_any()
                }
                // Nothing asked yet, or field problems (shown with the form).
                Ok(None) | Err(AppError::Invalid { .. }) => ().into_any(),
                Err(error) => view! { <LoadError error /> }.into_any(),
            };
            view! {
                <ErrorSummary error=Signal::derive(move || summary.clone()) />
                <SearchForm params=params.get_untracked() folders problems />
                {found}
            }
        })
    };
    view! {
        <Transition fallback=|| view! { <p>"Searching…"</p> }>{page}</Transition>
    }
}

/// The search form, filled in with what the address asked for. `folders` are the
/// person's folders as (value, name).
#[component]
fn SearchForm(
    params: SearchParams,
    folders: Vec<(String, String)>,
    problems: Option<AppError>,
) -> impl IntoView {
    let SearchParams {
        q,
        folder,
        category,
        dates,
        from,
        to,
        sort,
    } = params;
    let field_error = |name: &'static str| problems.as_ref().and_then(|e| e.field(name));
    // Each control names its hint and, after a refused search, its error.
    let described = |name: &'static str, hint: Option<&'static str>| {
        let ids: Vec<String> = hint
            .map(str::to_string)
            .into_iter()
            .chain(field_error(name).map(|_| format!("{name}-error")))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    // Worked out here: the children of each field are drawn later, on their own.
    let (q_described, folder_described, category_described, dates_described) = (
        described("q", Some("q-hint")),
        described("folder", None),
        described("category", None),
        described("dates", None),
    );
    let from_described = described("from", Some("custom-dates-hint"));
    let to_described = described("to", Some("custom-dates-hint"));
    let date_choices = [
        ("", "Any time"),
        ("3", "Last 3 months"),
        ("6", "Last 6 months"),
        ("12", "Last 12 months"),
        ("custom", "Custom dates"),
    ];
    view! {
        <form class="usa-form sm-search-form" method="get" action="/search" role="search" novalidate>
            <Field name="q" label="Keywords" hint="Words from the subject or the messages, the care team's name, or the name of who sent a message." error=field_error("q")>
                <input class="usa-input" id="q" name="q" type="search" value=q aria-describedby=q_described />
            </Field>
            <Field name="folder" label="Folder" hint="" error=field_error("folder")>
                <select class="usa-select" id="folder" name="folder" aria-describedby=folder_described>
                    <option value="" selected=folder.is_empty()>"All folders except Trash"</option>
                    {folders
                        .into_iter()
                        .map(|(value, name)| {
                            let selected = value == folder;
                            view! { <option value=value selected=selected>{name}</option> }
                        })
                        .collect_view()}
                </select>
            </Field>
            <Field name="category" label="Category" hint="" error=field_error("category")>
                <select class="usa-select" id="category" name="category" aria-describedby=category_described>
                    <option value="" selected=category.is_empty()>"Any category"</option>
                    {Category::ALL
                        .into_iter()
                        .map(|c| view! { <option value=c.as_str() selected=c.as_str() == category>{c.label()}</option> })
                        .collect_view()}
                </select>
            </Field>
            <Field name="dates" label="Date of the latest message" hint="" error=field_error("dates")>
                <select class="usa-select" id="dates" name="dates" aria-describedby=dates_described>
                    {date_choices
                        .into_iter()
                        .map(|(value, label)| view! { <option value=value selected=value == dates>{label}</option> })
                        .collect_view()}
                </select>
            </Field>
            <fieldset class="usa-fieldset sm-date-range">
                <legend class="usa-legend">"Custom dates"</legend>
                <span class="usa-hint" id="custom-dates-hint">
                    "Used when you choose Custom dates above. Leave one empty for no limit on that side."
                </span>
                <Field name="from" label="From" hint="" error=field_error("from")>
                    <input class="usa-input" id="from" name="from" type="date" value=from aria-describedby=from_described />
                </Field>
                <Field name="to" label="To" hint="" error=field_error("to")>
                    <input class="usa-input" id="to" name="to" type="date" value=to aria-describedby=to_described />
                </Field>
            </fieldset>
            <Field name="sort" label="Sort" hint="" error=field_error("sort")>
                <select class="usa-select" id="sort" name="sort">
                    <option value="newest" selected=sort != "oldest">"Newest first"</option>
                    <option value="oldest" selected=sort == "oldest">"Oldest first"</option>
                </select>
            </Field>
            <button type="submit" class="usa-button">"Search"</button>
        </form>
    }
}

/// A labelled form group whose error (from the last search) sits between label and control.
#[component]
fn Field(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    error: Option<String>,
    children: Children,
) -> impl IntoView {
    let has_error = error.is_some();
    view! {
        <div class="usa-form-group" class:usa-form-group--error=has_error>
            <label class="usa-label" class:usa-label--error=has_error for=name>{label}</label>
            {(!hint.is_empty()).then(|| view! { <span class="usa-hint" id=format!("{name}-hint")>{hint}</span> })}
            {error.map(|message| view! {
                <span class="usa-error-message" id=format!("{name}-error") role="alert">
                    <span class="usa-sr-only">"Error: "</span>{message}
                </span>
            })}
            {children()}
        </div>
    }
}
