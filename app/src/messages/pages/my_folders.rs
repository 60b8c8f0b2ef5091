//! My folders (being built).

use crate::auth::Area;
use leptos::prelude::*;

#[component]
pub fn MyFoldersPage() -> impl IntoView {
    crate::pages::not_available(Area::Messages, "My folders")
}
