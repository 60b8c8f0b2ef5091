//! Signature (being built).

use crate::auth::Area;
use leptos::prelude::*;

#[component]
pub fn SignatureSettings() -> impl IntoView {
    crate::pages::not_available(Area::Messages, "Signature")
}
