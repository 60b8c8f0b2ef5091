//! Drafts (being built).

use crate::auth::Area;
use leptos::prelude::*;

#[component]
pub fn DraftsPage() -> impl IntoView {
    crate::pages::not_available(Area::Messages, "Drafts")
}
