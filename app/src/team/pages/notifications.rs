//! `/team/notifications`: what the person must hear of. Every member on duty hears at once
//! when a message that may need urgent attention arrives; a team's leads hear once per
//! thread when it goes past its response target (both by email too). Newest
//! first, each linking to its conversation; "Mark as read" is a plain form post, so it works
//! without the wasm. The navigation shows how many are new.

use super::DoneNotice;
use crate::auth::Area;
use crate::error::AppError;
use crate::team::types::{Notification, NotificationKind};
use crate::ui::Gate;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// A notification with its time in words, in the viewer's time zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationItem {
    pub notification: Notification,
    /// "Nov 27, 2026, 3:42 PM EST".
    pub when: String,
}

#[server(endpoint = "team_notifications", output = leptos::server_fn::codec::Postcard)]
pub async fn team_notifications() -> Result<Vec<NotificationItem>, AppError> {
    use crate::server::access::{app_state, require_team};
    use crate::server::clock::date_time;
    let capability = require_team(TeamNotifications::PATH).await?;
    let state = app_state()?;
    let notifications = crate::team::ssr::notifications(&state.db, &capability).await?;
    Ok(notifications
        .into_iter()
        .map(|notification| NotificationItem {
            when: date_time(notification.created_at, &capability.user().time_zone),
            notification,
        })
        .collect())
}

#[server(endpoint = "team_mark_notification_read", output = leptos::server_fn::codec::Postcard)]
pub async fn team_mark_notification_read(notification: i64) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamMarkNotificationRead::PATH).await?;
    let state = app_state()?;
    crate::team::ssr::mark_notification_read(&state.db, &capability, notification).await?;
    crate::ui::kept::go_back("/team/notifications", "notification_read");
    Ok(())
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <Gate area=Area::Team>
            <Title text="Notifications" />
            <Notifications />
        </Gate>
    }
}

#[component]
fn Notifications() -> impl IntoView {
    let data = crate::ui::page_data(|| (), |_| team_notifications());
    view! {
        <h1>"Notifications"</h1>
        <DoneNotice />
        <p>"You hear here when a message that may need urgent attention arrives for one of your teams while you're on duty, and, once, when a conversation of a team you lead goes past its response target."</p>
        <crate::live::LiveRegion name="notifications">
        {crate::ui::loaded(data, "Loading notifications…", |items| {
            if items.is_empty() {
                return view! { <p>"You have no notifications."</p> }.into_any();
            }
            view! {
                <ul class="sm-notifications">
                    {items.into_iter().map(|item| view! { <NotificationRow item /> }).collect_view()}
                </ul>
            }
            .into_any()
        })}
        </crate::live::LiveRegion>
    }
}

#[component]
fn NotificationRow(item: NotificationItem) -> impl IntoView {
    let NotificationItem { notification, when } = item;
    let unread = notification.read_at.is_none();
    let what = match notification.kind {
        NotificationKind::Overdue => "Overdue: ",
        NotificationKind::Urgent => "May need urgent attention: ",
    };
    let subject = notification.subject.clone();
    view! {
        <li class="sm-notification" class:sm-notification--new=unread>
            <p class="sm-notification__what">
                {unread.then(|| view! { <span class="sm-tag">"New"</span> " " })}
                {what}
                <a href=format!("/team/threads/{}", notification.thread_id)>{notification.subject}</a>
            </p>
            <p class="sm-notification__detail">
                <crate::ui::VeteranName name=notification.veteran_name.clone() born=notification.veteran_born.clone() />
                {format!(" · {} · {when}", notification.team_name)}
            </p>
            {unread.then(|| view! {
                <form method="post" action=TeamMarkNotificationRead::PATH class="sm-inline-form">
                    <input type="hidden" name="notification" value=notification.notification_id.to_string() />
                    <button type="submit" class="usa-button usa-button--unstyled">
                        "Mark as read"<span class="usa-sr-only">{format!(" about {subject}")}</span>
                    </button>
                </form>
            })}
        </li>
    }
}
