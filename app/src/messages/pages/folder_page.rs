//! Inbox (being built).

use crate::auth::Area;
use leptos::prelude::*;

#[component]
pub fn FolderPage() -> impl IntoView {
    crate::pages::not_available(Area::Messages, "Inbox")
}
