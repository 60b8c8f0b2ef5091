//! Search messages (being built).

use crate::auth::Area;
use leptos::prelude::*;

#[component]
pub fn SearchPage() -> impl IntoView {
    crate::pages::not_available(Area::Messages, "Search messages")
}
