//! The care team's pages: the team inbox (`/team`), a thread beside the list
//! (`/team/threads/:thread_id`) and its printout (`/team/threads/:thread_id/print`), "Start a
//! message" to a Veteran of the person's teams (`/team/new`), reply templates (`/team/templates`), notifications
//! (`/team/notifications`) and the "Away" section of the settings page. Forms are plain form
//! posts to `team::api` (they work without the wasm); the wasm adds the keyboard shortcuts, filling a reply from a template in place,
//! and live updates (`crate::live::LiveRegion` around what changes).

pub mod coverage;
pub mod inbox;
pub mod keys;
pub mod notifications;
pub mod print;
pub mod start;
pub mod templates;
pub mod thread;

use crate::ui::encode;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The list's part of the address (filter, team, category, keywords, page), as
/// `(filter, team, category, q, after)`.
pub(crate) type ListQuery = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Reads the list's part of the address; tracked, for a resource's key.
pub(crate) fn list_query() -> impl Fn() -> ListQuery + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || {
        let query = query.read();
        let get = |key: &str| query.get(key).filter(|v| !v.trim().is_empty());
        (
            get("filter"),
            get("team"),
            get("category"),
            get("q"),
            get("after"),
        )
    }
}

/// `key=value&…` for the list's part of the address (values encoded), for links that keep
/// the list as it is.
pub(crate) fn list_query_string(query: &ListQuery, skip_after: bool) -> String {
    let (filter, team, category, q, after) = query;
    let mut pairs = Vec::new();
    for (key, value) in [
        ("filter", filter),
        ("team", team),
        ("category", category),
        ("q", q),
        ("after", if skip_after { &None } else { after }),
    ] {
        if let Some(value) = value {
            pairs.push(format!("{key}={}", encode(value)));
        }
    }
    pairs.join("&")
}

/// The status line after a successful action (`done=<what>` in the address).
#[component]
pub(crate) fn DoneNotice() -> impl IntoView {
    let query = use_query_map();
    let text = move || {
        let done = query.read().get("done")?;
        let error = query.read().get("__err").is_some();
        if error {
            return None;
        }
        Some(match done.as_str() {
            "assigned" => "The conversation is assigned.",
            "assigned_covering" => {
                "That member is away: the conversation went to the member covering for them."
            }
            "unassigned" => "The conversation is unassigned.",
            "replied" => "Your reply was sent.",
            "started" => "Your message was sent. The Veteran finds it in their Inbox.",
            "noted" => "Your internal note was added.",
            "completed" => "The conversation is marked complete.",
            "reopened" => "The conversation is open again and waits on the team.",
            "moved" => "The conversation was moved to the other care team.",
            "template_added" => "The template was added.",
            "template_saved" => "The template was saved.",
            "template_deleted" => "The template was deleted.",
            "away" => "You're marked away. New assignments go to the member covering for you.",
            "back" => "Welcome back. New assignments come to you again.",
            "notification_read" => "The notification is marked as read.",
            _ => return None,
        })
    };
    let text = move || text().map(str::to_string);
    view! { <crate::ui::SuccessStatus text /> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_links_keep_the_filters_encoded() {
        let query = (
            Some("mine".to_string()),
            None,
            Some("medication".to_string()),
            Some("blood & pressure".to_string()),
            Some("1.2.3".to_string()),
        );
        assert_eq!(
            list_query_string(&query, false),
            "filter=mine&category=medication&q=blood+%26+pressure&after=1.2.3"
        );
        assert_eq!(
            list_query_string(&query, true),
            "filter=mine&category=medication&q=blood+%26+pressure"
        );
    }
}
