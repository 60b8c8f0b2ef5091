//! Start a new message (being built).

use crate::auth::Area;
use leptos::prelude::*;

#[component]
pub fn ComposePage() -> impl IntoView {
    crate::pages::not_available(Area::Messages, "Start a new message")
}
