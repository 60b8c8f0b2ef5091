//! `/team`: the team inbox. Filters are links and a GET form (they work without the wasm);
//! each filter shows its count. Rows: the Veteran, the subject (a link to the thread),
//! category, team, assignee, waiting since, due in / overdue by, and "Unread" and "Urgent
//! language" in words (never colour alone), and "{Name} is writing a reply" while a
//! colleague has a reply draft open there. Urgent threads come first (the data layer's
//! order), then the earliest due.

use super::keys::TeamKeys;
use super::{list_query, list_query_string, DoneNotice, ListQuery};
use crate::auth::Area;
use crate::messages::Category;
use crate::team::api::{team_inbox, InboxItem, TeamAssignToMe, TeamInboxData};
use crate::team::reply_draft::writing_words;
use crate::team::types::InboxFilter;
use crate::ui::encode;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use crate::ui::Gate;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

#[component]
pub fn TeamInboxPage() -> impl IntoView {
    view! {
        <Gate area=Area::Team>
            <Title text="Team inbox" />
            <TeamInbox />
        </Gate>
    }
}

/// The inbox resource for the list part of the address.
pub(crate) fn inbox_resource(
    query: impl Fn() -> ListQuery + Copy + Send + Sync + 'static,
) -> crate::ui::PageData<TeamInboxData> {
    crate::ui::page_data(query, |(filter, team, category, q, after)| {
        team_inbox(filter, team, category, q, after)
    })
}

/// Inside the gate, so a refused visitor never calls the server function.
#[component]
fn TeamInbox() -> impl IntoView {
    let query = list_query();
    let inbox = inbox_resource(query);
    let error = posted_error(&[TeamAssignToMe::PATH]);
    view! {
        <div class="sm-page-head">
            <h1>"Team inbox"</h1>
            <TeamKeys />
        </div>
        <p class="sm-team-links"><a class="usa-button" href="/team/new">"Start a message"</a></p>
        <ErrorSummary error=Signal::stored(error) />
        <DoneNotice />
        <crate::live::NewMessageNotice />
        // Live: drawn again, from a fresh copy of the page, as conversations change.
        <crate::live::LiveRegion name="team-inbox">
            {crate::ui::loaded(inbox, "Loading the team inbox…", move |data| view! { <InboxView data query=query() /> })}
        </crate::live::LiveRegion>
    }
}

#[component]
fn InboxView(data: TeamInboxData, query: ListQuery) -> impl IntoView {
    let leads = data.teams.iter().any(|t| t.is_lead);
    let next = data.next.clone();
    let list = list_query_string(&query, true);
    let next_link = next.map(|token| {
        let sep = if list.is_empty() { "" } else { "&" };
        format!("/team?{list}{sep}after={}", encode(&token))
    });
    let first_link = query.4.is_some().then(|| {
        if list.is_empty() {
            "/team".to_string()
        } else {
            format!("/team?{list}")
        }
    });
    let empty = data.items.is_empty();
    let filter = data.filter;
    view! {
        <FilterLinks data=data.clone() query=query.clone() />
        <FilterForm data=data.clone() />
        {leads.then(|| view! {
            <p class="sm-team-links"><a href="/team/templates">"Manage reply templates"</a></p>
        })}
        {if empty {
            view! {
                <div class="sm-empty">
                    <p>{format!("No conversations in “{}”.", filter.label())}</p>
                </div>
            }.into_any()
        } else {
            view! { <InboxTable items=data.items query=query.clone() /> }.into_any()
        }}
        {(first_link.is_some() || next_link.is_some()).then(|| view! {
            <nav class="sm-list-pager" aria-label="Pages">
                {first_link.map(|href| view! { <a class="sm-list-pager__previous" href=href>"First page"</a> })}
                {next_link.map(|href| view! { <a class="sm-list-pager__next" href=href>"Next page"</a> })}
            </nav>
        })}
    }
}

/// "All open", "Unassigned", "Assigned to me", "Overdue", "Completed", each with its count;
/// the team, category and keywords stay as they are.
#[component]
fn FilterLinks(data: TeamInboxData, query: ListQuery) -> impl IntoView {
    let counts = data.counts;
    let rest = list_query_string(&(None, query.1, query.2, query.3, None), true);
    let links = InboxFilter::ALL
        .into_iter()
        .map(|filter| {
            let count = match filter {
                InboxFilter::Open => counts.open,
                InboxFilter::Unassigned => counts.unassigned,
                InboxFilter::AssignedToMe => counts.assigned_to_me,
                InboxFilter::Overdue => counts.overdue,
                InboxFilter::Completed => counts.completed,
            };
            let href = if rest.is_empty() {
                format!("/team?filter={}", filter.as_str())
            } else {
                format!("/team?filter={}&{rest}", filter.as_str())
            };
            let current = filter == data.filter;
            view! {
                <li class="sm-filter" class:sm-filter--current=current>
                    <a href=href aria-current=current.then_some("page")>
                        {filter.label()}
                        " "
                        <span class="sm-filter__count">
                            "(" {count.to_string()}
                            <span class="usa-sr-only">{if count == 1 { " conversation" } else { " conversations" }}</span>
                            ")"
                        </span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav aria-label="Filters" class="sm-filters">
            <ul class="sm-filters__list">{links}</ul>
        </nav>
    }
}

/// Team, category and keywords: a GET form, so the address says what is shown.
#[component]
fn FilterForm(data: TeamInboxData) -> impl IntoView {
    let team_options = data
        .teams
        .iter()
        .map(|team| {
            view! {
                <option value=team.team_id.to_string() selected=data.team_id == Some(team.team_id)>
                    {team.name.clone()}
                </option>
            }
        })
        .collect_view();
    let category_options = Category::ALL
        .into_iter()
        .map(|c| view! { <option value=c.as_str() selected=data.category == Some(c)>{c.label()}</option> })
        .collect_view();
    view! {
        <form class="sm-team-filter" method="get" action="/team" role="search" aria-label="Filter the team inbox">
            <input type="hidden" name="filter" value=data.filter.as_str() />
            <div class="sm-team-filter__field">
                <label class="usa-label" for="filter-team">"Care team"</label>
                <select class="usa-select" id="filter-team" name="team">
                    <option value="" selected=data.team_id.is_none()>"All my teams"</option>
                    {team_options}
                </select>
            </div>
            <div class="sm-team-filter__field">
                <label class="usa-label" for="filter-category">"Category"</label>
                <select class="usa-select" id="filter-category" name="category">
                    <option value="" selected=data.category.is_none()>"All categories"</option>
                    {category_options}
                </select>
            </div>
            <div class="sm-team-filter__field">
                <label class="usa-label" for="filter-q">"Keywords"</label>
                <input class="usa-input" id="filter-q" name="q" type="search" value=data.keywords.clone() />
            </div>
            <button class="usa-button" type="submit">"Apply filters"</button>
        </form>
    }
}

/// The link to a thread, keeping the list as it is beside it.
pub(crate) fn thread_link(thread_id: i64, query: &ListQuery) -> String {
    let list = list_query_string(query, false);
    if list.is_empty() {
        format!("/team/threads/{thread_id}")
    } else {
        format!("/team/threads/{thread_id}?{list}")
    }
}

/// The table of the full-width inbox (stacked on narrow screens).
#[component]
fn InboxTable(items: Vec<InboxItem>, query: ListQuery) -> impl IntoView {
    let location = use_location();
    let back = Signal::derive(move || {
        let search = location.search.get();
        let search = search.trim_start_matches('?');
        if search.is_empty() {
            location.pathname.get()
        } else {
            format!("{}?{search}", location.pathname.get())
        }
    });
    let rows = items
        .into_iter()
        .map(|item| {
            let href = thread_link(item.row.thread_id, &query);
            view! { <InboxTableRow item href back /> }
        })
        .collect_view();
    view! {
        <table class="usa-table usa-table--stacked usa-table--borderless sm-team-table">
            <caption class="usa-sr-only">"Conversations. Urgent language first, then the earliest due."</caption>
            <thead>
                <tr>
                    <th scope="col">"Veteran"</th>
                    <th scope="col">"Subject"</th>
                    <th scope="col">"Category"</th>
                    <th scope="col">"Team"</th>
                    <th scope="col">"Assigned to"</th>
                    <th scope="col">"Waiting since"</th>
                    <th scope="col">"Due"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn InboxTableRow(item: InboxItem, href: String, back: Signal<String>) -> impl IntoView {
    let InboxItem {
        row,
        waiting_since,
        due,
        assignee,
        completed,
    } = item;
    let can_take = row.assignee.is_none() && row.completed_at.is_none();
    let subject = row.subject.clone();
    let id = row.thread_id;
    view! {
        <tr class="sm-team-row" class:sm-team-row--unread=row.unread class:sm-team-row--urgent=row.urgent_language>
            <th scope="row" data-label="Veteran"><crate::ui::VeteranName name=row.veteran_name born=row.veteran_born /></th>
            <td data-label="Subject">
                <Markers unread=row.unread urgent=row.urgent_language />
                <a class="sm-team-row__open" href=href>{row.subject}</a>
                {writing_words(&row.writing).map(|words| view! { <p class="sm-writing">{words}</p> })}
            </td>
            <td data-label="Category">{row.category.label()}</td>
            <td data-label="Team">{row.team_name}</td>
            <td data-label="Assigned to">
                {assignee}
                {can_take.then(|| view! {
                    <form method="post" action=TeamAssignToMe::PATH class="sm-team-row__form">
                        <input type="hidden" name="thread_id" value=id.to_string() />
                        <input type="hidden" name="back" value=back />
                        <button type="submit" class="usa-button usa-button--outline sm-button--small" data-key="assign">
                            "Assign to me"<span class="usa-sr-only">": " {subject.clone()}</span>
                        </button>
                    </form>
                })}
            </td>
            <td data-label="Waiting since">{waiting_since.unwrap_or_else(|| "Not waiting".to_string())}</td>
            <td data-label="Due">
                {match (due, completed) {
                    (Some(due), _) => {
                        let overdue = row.overdue;
                        view! { <span class:sm-overdue=overdue>{due}</span> }.into_any()
                    }
                    (None, Some(done)) => view! { <span>{done}</span> }.into_any(),
                    (None, None) => view! { <span>"Answered"</span> }.into_any(),
                }}
            </td>
        </tr>
    }
}

/// "Unread" and "Urgent language", in words.
#[component]
pub(crate) fn Markers(unread: bool, urgent: bool) -> impl IntoView {
    view! {
        {urgent.then(|| view! { <span class="sm-tag sm-tag--urgent">"Urgent language"</span> " " })}
        {unread.then(|| view! { <span class="sm-unread">"Unread"</span> " " })}
    }
}

/// The list beside an open thread on a wide screen: compact, one item per thread.
#[component]
pub(crate) fn InboxSideList(data: TeamInboxData, query: ListQuery, current: i64) -> impl IntoView {
    let list = list_query_string(&query, true);
    let next_link = data.next.clone().map(|token| {
        let sep = if list.is_empty() { "" } else { "&" };
        format!(
            "/team/threads/{current}?{list}{sep}after={}",
            encode(&token)
        )
    });
    let label = format!("{}: conversations", data.filter.label());
    let items = data
        .items
        .into_iter()
        .map(|item| {
            let href = thread_link(item.row.thread_id, &query);
            let is_current = item.row.thread_id == current;
            let row = item.row;
            view! {
                <li class="sm-team-row sm-side-row" class:sm-side-row--current=is_current>
                    <p class="sm-side-row__subject">
                        <Markers unread=row.unread urgent=row.urgent_language />
                        <a class="sm-team-row__open" href=href aria-current=is_current.then_some("page")>{row.subject}</a>
                    </p>
                    <p class="sm-side-row__facts">
                        <span><crate::ui::VeteranName name=row.veteran_name born=row.veteran_born /></span>
                        <span>{item.assignee}</span>
                        {item.due.map(|due| view! { <span class:sm-overdue=row.overdue>{due}</span> })}
                    </p>
                    {writing_words(&row.writing).map(|words| view! { <p class="sm-writing">{words}</p> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="sm-split__list" aria-label="Team inbox">
            <p class="sm-split__list-head"><a href=format!("/team{}", if list.is_empty() { String::new() } else { format!("?{list}") })>"Team inbox"</a>" · "{data.filter.label()}</p>
            <ol class="sm-side-rows" aria-label=label>{items}</ol>
            {next_link.map(|href| view! { <p><a href=href>"Next page"</a></p> })}
        </nav>
    }
}
