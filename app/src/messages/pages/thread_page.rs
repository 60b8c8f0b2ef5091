//! Message (being built).

use crate::auth::Area;
use leptos::prelude::*;

#[component]
pub fn ThreadPage() -> impl IntoView {
    crate::pages::not_available(Area::Messages, "Message")
}

#[component]
pub fn PrintThreadPage() -> impl IntoView {
    crate::pages::not_available(Area::Messages, "Print")
}
